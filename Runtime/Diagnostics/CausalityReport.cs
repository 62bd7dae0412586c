namespace LinearDsl.Runtime.Diagnostics;

/// <summary>What <see cref="CausalityProbe"/> found in each form of a model.</summary>
/// <param name="Position">The token that was changed.</param>
/// <param name="Findings">One finding per form: forward, step, verify.</param>
public sealed record CausalityReport(long Position, IReadOnlyList<CausalityFinding> Findings)
{
    /// <summary>True when every form ran and none leaked.</summary>
    public bool IsCausal => Findings.All(f => f.Verdict == CausalityVerdict.Causal);

    /// <summary>True when some form ran and leaked (a refused form is not a leak).</summary>
    public bool Leaks => Findings.Any(f => f.Verdict == CausalityVerdict.Leaks);

    /// <summary>True when some form produced NaN or infinity before the changed token, so that causality cannot be judged.</summary>
    public bool NonFinite => Findings.Any(f => f.Verdict == CausalityVerdict.NonFinite);

    /// <summary>The finding of one form ("forward", "step" or "verify").</summary>
    public CausalityFinding this[string form]
        => Findings.FirstOrDefault(f => f.Form == form) ?? throw new KeyNotFoundException($"No finding for form '{form}'; the forms are {string.Join(", ", Findings.Select(f => f.Form))}.");

    /// <summary>One line per form.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Findings);
}
