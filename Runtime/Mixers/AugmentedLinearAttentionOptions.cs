using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Mixers;

/// <summary>Settings of <see cref="AugmentedLinearAttention"/> (docs/method.md, "Augmented linear attention").</summary>
public sealed record AugmentedLinearAttentionOptions
{
    /// <summary>Tokens per group G: local attention stays inside a group; earlier groups enter the global term. Default 64.</summary>
    public int GroupSize { get; init; } = 64;

    /// <summary>Local ReLU^2 attention inside causal groups. Default on.</summary>
    public bool Local { get; init; } = true;

    /// <summary>Grouped global linear term over the EXCLUSIVE prefix of complete groups, scaled by alpha. Default on.</summary>
    public bool Global { get; init; } = true;

    /// <summary>Causal depthwise convolution over V. Default on.</summary>
    public bool Conv { get; init; } = true;

    /// <summary>Taps of the causal convolution, including the current token. Default 32 (the paper's effective size).</summary>
    public int ConvTaps { get; init; } = 32;

    /// <summary>Initial alpha. Default 0, so a converted softmax model starts as "local only", as the paper does.</summary>
    public double AlphaInit { get; init; }

    /// <summary>Lower bound of the norm in the L2 feature map. Default 1e-6.</summary>
    public double FeatureEps { get; init; } = 1e-6;

    /// <summary>
    /// Where the conv taps sit in time. Default <see cref="ConvPadding.Causal"/>. The others read later tokens
    /// (information leakage) and leave the mixer with its parallel form only.
    /// </summary>
    public ConvPadding ConvPadding { get; init; }

    /// <summary>
    /// Mask the local ReLU^2 attention causally inside a group. Default true. False lets a token see the later tokens of
    /// its group (information leakage) and leaves the mixer with its parallel form only.
    /// </summary>
    public bool CausalLocal { get; init; } = true;

    /// <summary>
    /// Let the global term include the query's own group (an inclusive prefix). Default false. True lets a token see
    /// the later tokens of its group (information leakage) and leaves the mixer with its parallel form only.
    /// </summary>
    public bool InclusiveGlobalPrefix { get; init; }

    /// <summary>
    /// The settings that make this mixer read later tokens, as "Name = value" joined by ", ", or null when it is causal.
    /// A setting whose part is off (or a conv of one tap, or groups of one token) leaks nothing and is not listed.
    /// </summary>
    [JsonIgnore]
    public string? NonCausalSettings
    {
        get
        {
            var settings = new List<string>();
            if (Conv && ConvTaps > 1 && ConvPadding != ConvPadding.Causal) settings.Add($"ConvPadding = {ConvPadding}");
            if (Local && GroupSize > 1 && !CausalLocal) settings.Add("CausalLocal = false");
            if (Global && InclusiveGlobalPrefix) settings.Add("InclusiveGlobalPrefix = true");
            return settings.Count == 0 ? null : string.Join(", ", settings);
        }
    }

    /// <summary>How many steps the conv window is shifted towards the future (0 for the causal conv).</summary>
    internal long ConvShift => ConvPadding switch
    {
        ConvPadding.Centered => (ConvTaps - 1) / 2,
        ConvPadding.Right => ConvTaps - 1,
        _ => 0,
    };

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(ConvPadding)) throw new ArgumentOutOfRangeException(nameof(ConvPadding), ConvPadding, $"ConvPadding {(int)ConvPadding} is not a known conv padding; use Causal, Centered or Right.");
        if (GroupSize <= 0) throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize, "GroupSize must be at least 1 token.");
        if (ConvTaps <= 0) throw new ArgumentOutOfRangeException(nameof(ConvTaps), ConvTaps, "ConvTaps must be at least 1 (the current token).");
        if (!(FeatureEps > 0)) throw new ArgumentOutOfRangeException(nameof(FeatureEps), FeatureEps, "FeatureEps must be positive, or zero-norm rows divide by zero.");
        if (!Local && !Global && !Conv) throw new ArgumentException("At least one of Local, Global and Conv must be on; with all three off the mixer outputs zeros.");
    }
}
