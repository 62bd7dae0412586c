namespace LinearDsl.Runtime.Mixers;

/// <summary>Settings of <see cref="LinearAttention"/>.</summary>
public sealed record LinearAttentionOptions
{
    /// <summary>The feature map phi: any but <see cref="LinearFeatureMap.L2"/> (that is <see cref="AugmentedLinearAttention"/>). Default elu(x) + 1.</summary>
    public LinearFeatureMap FeatureMap { get; init; } = LinearFeatureMap.EluPlusOne;

    /// <summary>Width of phi for Performer, Hedgehog (half of it) and T2R; null means the head size.</summary>
    public int? FeatureDim { get; init; }

    /// <summary>Seed of random features and initial feature-map weights. Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Divide by phi(q) . z (z = sum of phi(k)); the state then also holds z. Default on.</summary>
    public bool Denominator { get; init; } = true;

    /// <summary>Added to the denominator. Default 1e-6.</summary>
    public double DenominatorEps { get; init; } = 1e-6;

    /// <summary>Chunk length of the parallel form (a compute choice: it does not change the function). Default 64.</summary>
    public int ChunkSize { get; init; } = 64;

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (FeatureMap == LinearFeatureMap.L2 || !Enum.IsDefined(FeatureMap))
            throw new ArgumentOutOfRangeException(nameof(FeatureMap), FeatureMap, $"FeatureMap {FeatureMap} is not a feature map of plain linear attention; use EluPlusOne, Relu, Performer, Hedgehog or T2R (L2 is AugmentedLinearAttention).");
        if (ChunkSize <= 0) throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "ChunkSize must be positive.");
        if (Denominator && !(DenominatorEps > 0))
            throw new ArgumentOutOfRangeException(nameof(DenominatorEps), DenominatorEps, "DenominatorEps must be positive so that an all-zero feature row does not divide by zero.");
        if (FeatureDim is <= 0) throw new ArgumentOutOfRangeException(nameof(FeatureDim), FeatureDim, "FeatureDim must be positive.");
    }
}
