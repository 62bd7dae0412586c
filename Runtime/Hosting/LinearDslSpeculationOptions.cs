using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Speculative decoding settings (docs/method.md, "Exact speculative decoding"); see <see cref="SpeculationOptions"/>.</summary>
public sealed class LinearDslSpeculationOptions
{
    /// <summary>Largest draft length the validator accepts: longer drafts only waste draft calls.</summary>
    public const int MaxSaneDraftTokens = 64;

    /// <summary>
    /// Whether to decode speculatively. Null (default): exactly when a draft model is configured. True: a draft is
    /// required (validation fails without one). False: plain decoding of the target even when a draft is configured.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>Draft tokens per round (m), or the starting value when adaptive. Default 4.</summary>
    public int DraftTokens { get; set; } = 4;

    /// <summary>Adapt m between rounds within [<see cref="MinDraftTokens"/>, <see cref="MaxDraftTokens"/>]. Default off.</summary>
    public bool Adaptive { get; set; }

    /// <summary>Smallest m when adaptive. Default 1.</summary>
    public int MinDraftTokens { get; set; } = 1;

    /// <summary>Largest m when adaptive. Default 8.</summary>
    public int MaxDraftTokens { get; set; } = 8;

    /// <summary>The decoder's settings.</summary>
    public SpeculationOptions ToSpeculationOptions() => new()
    {
        DraftTokens = DraftTokens,
        Adaptive = Adaptive,
        MinDraftTokens = MinDraftTokens,
        MaxDraftTokens = MaxDraftTokens,
    };
}
