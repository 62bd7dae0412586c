namespace LinearDsl.Runtime.Mixers;

/// <summary>Settings of <see cref="AugmentedLinearAttention"/> (method.md section 1).</summary>
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

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (GroupSize <= 0) throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize, "GroupSize must be at least 1 token.");
        if (ConvTaps <= 0) throw new ArgumentOutOfRangeException(nameof(ConvTaps), ConvTaps, "ConvTaps must be at least 1 (the current token).");
        if (!(FeatureEps > 0)) throw new ArgumentOutOfRangeException(nameof(FeatureEps), FeatureEps, "FeatureEps must be positive, or zero-norm rows divide by zero.");
        if (!Local && !Global && !Conv) throw new ArgumentException("At least one of Local, Global and Conv must be on; with all three off the mixer outputs zeros.");
    }
}
