namespace LinearDsl.Runtime.Data;

/// <summary>
/// BERT-style masking for the masked-language-model objective: <see cref="Rate"/> of every row's tokens are chosen
/// (at least one); of those, <see cref="MaskShare"/> become the mask token, <see cref="RandomShare"/> a random token,
/// and the rest stay as they are. The loss reads the chosen positions only.
/// </summary>
public sealed record MaskingOptions
{
    /// <summary>Share of each row's tokens the objective predicts (BERT: 0.15).</summary>
    public double Rate { get; init; } = 0.15;

    /// <summary>Share of the chosen tokens replaced by the mask token (BERT: 0.8).</summary>
    public double MaskShare { get; init; } = 0.8;

    /// <summary>Share of the chosen tokens replaced by a uniformly random token (BERT: 0.1); the rest are kept.</summary>
    public double RandomShare { get; init; } = 0.1;

    /// <summary>What is wrong with these options, one line each (empty when they can be used).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(Rate > 0 && Rate <= 1)) problems.Add($"The masking rate must be in (0, 1], got {Rate}.");
        if (!(MaskShare >= 0 && RandomShare >= 0 && MaskShare + RandomShare <= 1))
            problems.Add($"The mask share ({MaskShare}) and random share ({RandomShare}) must be at least 0 and add up to at most 1.");
        return problems;
    }
}
