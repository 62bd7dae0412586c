using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>How <see cref="Linearizer"/> turns a softmax model into an augmented linear one.</summary>
public sealed record LinearizeOptions
{
    /// <summary>
    /// Options of every new augmented linear mixer (group size, conv taps, ...). Default: G = 64, 32 taps, alpha 0.
    /// Alpha starts at <see cref="AugmentedLinearAttentionOptions.AlphaInit"/> (0 by default) and the conv kernel at
    /// zero, so the converted model starts as "local only", as the paper does.
    /// </summary>
    public AugmentedLinearAttentionOptions Mixer { get; init; } = new();

    /// <summary>Layers that keep their softmax attention (a hybrid model). Default none.</summary>
    public IReadOnlyCollection<int> SoftmaxLayers { get; init; } = [];
}
