namespace LinearDsl.Study;

/// <summary>Which of the study's variants the linearization study turns the softmax teacher into.</summary>
public static class LinearizeVariants
{
    /// <summary>
    /// The default selection, sized for the default budget: the method, its ablation without the conv (does the
    /// augmentation help after linearization?) and Hedgehog, the plain linear attention that LoLCATs linearizes into.
    /// </summary>
    public static IReadOnlyList<string> Default { get; } = [StudyVariants.Method, "local-global", "hedgehog"];

    /// <summary>Every linear variant of the study that can be a linearization target (causal, so it decodes and speculates).</summary>
    public static IReadOnlyList<StudyVariant> Eligible { get; } =
        StudyVariants.All.Where(v => v.Key != StudyVariants.Reference && v.Key != StudyVariants.LeakyConv).ToArray();

    /// <summary>Parses a comma-separated list of keys ("all" for every eligible one; null or empty: <see cref="Default"/>), in report order; "softmax" is accepted and ignored (the teacher is always there).</summary>
    /// <exception cref="StudyException">A key is unknown or not a linearization target, or no linear variant is left.</exception>
    public static IReadOnlyList<StudyVariant> Select(string? keys)
    {
        if (string.IsNullOrWhiteSpace(keys)) return Eligible.Where(v => Default.Contains(v.Key)).ToArray();
        var wanted = keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => k.ToLowerInvariant()).ToHashSet();
        if (wanted.Remove("all")) return Eligible;
        foreach (var key in wanted)
        {
            StudyVariants.Find(key);
            if (key == StudyVariants.LeakyConv)
                throw new StudyException($"'{StudyVariants.LeakyConv}' cannot be a linearization target: it reads later tokens, so it cannot decode or speculate; choose among {string.Join(", ", Eligible.Select(v => v.Key))}.");
        }
        var selected = Eligible.Where(v => wanted.Contains(v.Key)).ToArray();
        if (selected.Length == 0)
            throw new StudyException($"--variants names no linear variant to linearize into; choose among {string.Join(", ", Eligible.Select(v => v.Key))} (or 'all').");
        return selected;
    }
}
