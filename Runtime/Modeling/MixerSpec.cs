using System.Text.Json.Serialization;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Which token mixer a layer uses.</summary>
public enum MixerKind
{
    /// <summary><see cref="AugmentedLinearAttention"/> (local ReLU^2 + grouped global + causal conv).</summary>
    [JsonStringEnumMemberName("augmented_linear")]
    AugmentedLinear,

    /// <summary><see cref="LinearAttention"/> with a feature map, with or without a denominator.</summary>
    [JsonStringEnumMemberName("linear")]
    Linear,

    /// <summary><see cref="SoftmaxAttention"/> with a KV cache (baseline and hybrid layers).</summary>
    [JsonStringEnumMemberName("softmax")]
    Softmax,
}

/// <summary>
/// The token mixer of a layer: its kind, head layout and the options of that kind (only the matching options
/// object is set). The head size is the model width divided by <see cref="Heads"/>.
/// </summary>
public sealed record MixerSpec
{
    /// <summary>Which mixer.</summary>
    public required MixerKind Kind { get; init; }

    /// <summary>Query heads; must divide the model width.</summary>
    public required int Heads { get; init; }

    /// <summary>Key/value heads; must divide <see cref="Heads"/> (fewer than Heads is grouped-query attention).</summary>
    public required int KvHeads { get; init; }

    /// <summary>Options of an augmented linear mixer; set exactly when <see cref="Kind"/> is AugmentedLinear.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AugmentedLinearAttentionOptions? Augmented { get; init; }

    /// <summary>Options of a plain linear mixer; set exactly when <see cref="Kind"/> is Linear.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LinearAttentionOptions? Linear { get; init; }

    /// <summary>
    /// Softmax attention without the causal mask (kind softmax only). Default false. A model with it reads later
    /// tokens (information leakage) and has only its Forward form. Written to config.json only when true, so a file
    /// without the key describes a causal mixer.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Bidirectional { get; init; }

    /// <summary>An augmented linear mixer (default options: G = 64, 32 conv taps, alpha 0).</summary>
    public static MixerSpec AugmentedLinear(int heads, AugmentedLinearAttentionOptions? options = null, int? kvHeads = null)
        => new() { Kind = MixerKind.AugmentedLinear, Heads = heads, KvHeads = kvHeads ?? heads, Augmented = options ?? new AugmentedLinearAttentionOptions() };

    /// <summary>A plain linear mixer (default options: elu + 1 with a denominator).</summary>
    public static MixerSpec LinearAttention(int heads, LinearAttentionOptions? options = null, int? kvHeads = null)
        => new() { Kind = MixerKind.Linear, Heads = heads, KvHeads = kvHeads ?? heads, Linear = options ?? new LinearAttentionOptions() };

    /// <summary>Softmax attention with a KV cache (causal), or without a mask when <paramref name="bidirectional"/>.</summary>
    public static MixerSpec Softmax(int heads, int? kvHeads = null, bool bidirectional = false)
        => new() { Kind = MixerKind.Softmax, Heads = heads, KvHeads = kvHeads ?? heads, Bidirectional = bidirectional };
}
