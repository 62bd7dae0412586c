using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>How <see cref="Linearizer"/> turns a softmax model into a linear one (augmented linear attention unless <see cref="Target"/> says otherwise).</summary>
public sealed record LinearizeOptions
{
    /// <summary>
    /// Options of every new augmented linear mixer (group size, conv taps, ...). Default: G = 64, 32 taps, alpha 0.
    /// Alpha starts at <see cref="AugmentedLinearAttentionOptions.AlphaInit"/> (0 by default) and the conv kernel at
    /// zero, so the converted model starts as "local only", as the paper does.
    /// </summary>
    public AugmentedLinearAttentionOptions Mixer { get; init; } = new();

    /// <summary>
    /// The linear mixer every converted layer gets, as a template: its kind and options are used, its head counts are
    /// replaced by each softmax layer's. Null (the default) means augmented linear attention with <see cref="Mixer"/>.
    /// A plain linear attention's feature map starts as its method prescribes (Hedgehog near the identity, Performer's
    /// random features from the seed); an augmented target keeps its own alpha start.
    /// </summary>
    public MixerSpec? Target { get; init; }

    /// <summary>Layers that keep their softmax attention (a hybrid model). Default none.</summary>
    public IReadOnlyCollection<int> SoftmaxLayers { get; init; } = [];
}
