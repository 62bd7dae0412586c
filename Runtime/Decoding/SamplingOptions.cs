namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// How a token is chosen from logits. The same transform (temperature, then top-k, then top-p) is applied to the
/// draft's distribution q and the target's p, as exact speculative sampling requires (docs/method.md, "Exact speculative decoding").
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Greedy decoding: always the most likely token.</summary>
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Divides the logits; 0 means greedy (argmax). Default 1.</summary>
    public double Temperature { get; init; } = 1;

    /// <summary>Keep only the k most likely tokens; 0 keeps all. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all. Default 1.</summary>
    public double TopP { get; init; } = 1;

    /// <summary>Whether this is greedy decoding.</summary>
    public bool IsGreedy => Temperature == 0;

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be finite and at least 0 (0 is greedy).");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be at least 0 (0 keeps every token).");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1] (1 keeps every token).");
    }
}
