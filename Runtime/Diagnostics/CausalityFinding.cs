namespace LinearDsl.Runtime.Diagnostics;

/// <summary>What a causality probe found in one form.</summary>
public enum CausalityVerdict
{
    /// <summary>Every output before the changed token stayed bit-identical.</summary>
    Causal,

    /// <summary>An output before the changed token changed: the form reads later tokens.</summary>
    Leaks,

    /// <summary>The form refused to run (a deliberately non-causal model has only its parallel form).</summary>
    Refused,

    /// <summary>An output before the changed token is NaN or infinite, so no change can be measured: causality cannot be judged.</summary>
    NonFinite,
}

/// <summary>Result of probing one form at one position.</summary>
/// <param name="Form">"parallel", "step" or "verify" for a mixer; "forward", "step" or "verify" for a model.</param>
/// <param name="Position">The token that was changed.</param>
/// <param name="Verdict">Causal, leaks, or refused to run.</param>
/// <param name="FirstLeak">The earliest earlier position whose output changed, when the form leaks; the earliest position with a non-finite output, when it is <see cref="CausalityVerdict.NonFinite"/>.</param>
/// <param name="MaxChange">The largest absolute change of an output at <paramref name="FirstLeak"/>, when the form leaks.</param>
/// <param name="Refusal">The form's own message, when it refused to run.</param>
public sealed record CausalityFinding(string Form, long Position, CausalityVerdict Verdict, long? FirstLeak = null, double? MaxChange = null, string? Refusal = null)
{
    /// <summary>True when every output before <see cref="Position"/> stayed bit-identical.</summary>
    public bool Causal => Verdict == CausalityVerdict.Causal;

    /// <summary>One line for people, e.g. "forward: LEAKS: changing token 7 changed the outputs at position 6 (max |change| 0.031)".</summary>
    public override string ToString() => Verdict switch
    {
        CausalityVerdict.Causal => $"{Form}: causal: changing token {Position} left every earlier output bit-identical",
        CausalityVerdict.NonFinite => $"{Form}: the model produces {(MaxChange is double v && double.IsInfinity(v) ? "infinity" : "NaN")} at position {FirstLeak}; causality cannot be judged",
        CausalityVerdict.Leaks => $"{Form}: LEAKS: changing token {Position} changed the outputs at position {FirstLeak} (max |change| {MaxChange:G3})",
        _ => $"{Form}: refused: {Refusal}",
    };
}
