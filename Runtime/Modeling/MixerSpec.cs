using System.Text.Json.Serialization;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Modeling;

/// <summary>The built-in mixer kinds of config format 1 (<see cref="MixerSpec.Kind"/>); any other kind is <see cref="Other"/>.</summary>
public enum MixerKind
{
    /// <summary><see cref="AugmentedLinearAttention"/> (local ReLU^2 + grouped global + causal conv).</summary>
    AugmentedLinear,

    /// <summary><see cref="LinearAttention"/> with a feature map, with or without a denominator.</summary>
    Linear,

    /// <summary><see cref="SoftmaxAttention"/> with a KV cache (baseline and hybrid layers).</summary>
    Softmax,

    /// <summary>A kind added after these three: read <see cref="MixerSpec.Options"/>.</summary>
    Other,
}

/// <summary>
/// The token mixer of a layer: its head layout and the options of its kind (<see cref="MixerOptions"/>, one record
/// per kind, written to config.json with its "kind"). The head size is the model width divided by <see cref="Heads"/>.
/// </summary>
public sealed record MixerSpec
{
    /// <summary>Query heads; must divide the model width.</summary>
    public required int Heads { get; init; }

    /// <summary>Key/value heads; must divide <see cref="Heads"/> (fewer than Heads is grouped-query attention).</summary>
    public required int KvHeads { get; init; }

    /// <summary>The kind and its settings.</summary>
    public required MixerOptions Options { get; init; }

    /// <summary>Which built-in kind <see cref="Options"/> is (<see cref="MixerKind.Other"/> for any other).</summary>
    [JsonIgnore]
    public MixerKind Kind => Options switch
    {
        AugmentedLinearAttentionOptions => MixerKind.AugmentedLinear,
        LinearAttentionOptions => MixerKind.Linear,
        SoftmaxAttentionOptions => MixerKind.Softmax,
        _ => MixerKind.Other,
    };

    /// <summary>The options when the kind is augmented linear attention, else null.</summary>
    [JsonIgnore]
    public AugmentedLinearAttentionOptions? Augmented => Options as AugmentedLinearAttentionOptions;

    /// <summary>The options when the kind is plain linear attention, else null.</summary>
    [JsonIgnore]
    public LinearAttentionOptions? Linear => Options as LinearAttentionOptions;

    /// <summary>Whether this is softmax attention without the causal mask (it reads later tokens).</summary>
    [JsonIgnore]
    public bool Bidirectional => Options is SoftmaxAttentionOptions { Bidirectional: true };

    /// <summary>A mixer of any kind.</summary>
    public static MixerSpec Of(int heads, MixerOptions options, int? kvHeads = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new() { Heads = heads, KvHeads = kvHeads ?? heads, Options = options };
    }

    /// <summary>An augmented linear mixer (default options: G = 64, 32 conv taps, alpha 0).</summary>
    public static MixerSpec AugmentedLinear(int heads, AugmentedLinearAttentionOptions? options = null, int? kvHeads = null)
        => Of(heads, options ?? new AugmentedLinearAttentionOptions(), kvHeads);

    /// <summary>A plain linear mixer (default options: elu + 1 with a denominator).</summary>
    public static MixerSpec LinearAttention(int heads, LinearAttentionOptions? options = null, int? kvHeads = null)
        => Of(heads, options ?? new LinearAttentionOptions(), kvHeads);

    /// <summary>Softmax attention with a KV cache (causal), or without a mask when <paramref name="bidirectional"/>.</summary>
    public static MixerSpec Softmax(int heads, int? kvHeads = null, bool bidirectional = false)
        => Of(heads, new SoftmaxAttentionOptions { Bidirectional = bidirectional }, kvHeads);
}
