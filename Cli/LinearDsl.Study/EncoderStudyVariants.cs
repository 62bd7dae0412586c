using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Study;

/// <summary>
/// The variants of <c>study --encoders</c> and <c>study --seq2seq</c>, in report order: the same keys in both (the
/// encoder's declaration, or the seq2seq model's). Keys shared with the causal study name the same attention there.
/// </summary>
public static class EncoderStudyVariants
{
    /// <summary>Key of the softmax reference.</summary>
    public const string Reference = StudyVariants.Reference;

    /// <summary>Key of causal softmax in the encoder (what bidirectionality buys).</summary>
    public const string CausalSoftmax = "softmax-causal";

    /// <summary>Key of the causal-only kind run causally in the encoder.</summary>
    public const string CausalOnly = "retnet";

    /// <summary>Keys whose encoder is causal.</summary>
    public static IReadOnlySet<string> CausalEncoders { get; } = new HashSet<string> { CausalSoftmax, CausalOnly };

    /// <summary>Every encoder variant.</summary>
    public static IReadOnlyList<StudyVariant> Encoders { get; } =
    [
        new(Reference, "softmax (bidirectional)", StudyGroup.Reference, nameof(EncoderSoftmax), EncoderSoftmax.Config, "bidirectional softmax attention (BERT)"),
        new(CausalSoftmax, "softmax, causal", StudyGroup.Reference, nameof(EncoderSoftmaxCausal), EncoderSoftmaxCausal.Config, "causal softmax attention in the encoder"),
        new("elu", "linear, elu+1", StudyGroup.Linear, nameof(EncoderEluLinear), EncoderEluLinear.Config, "bidirectional linear attention, phi = elu(x) + 1, with a denominator"),
        new("relu", "linear, ReLU", StudyGroup.Linear, nameof(EncoderReluLinear), EncoderReluLinear.Config, "bidirectional linear attention, phi = relu(x), with a denominator"),
        new("performer", "Performer", StudyGroup.Linear, nameof(EncoderPerformer), EncoderPerformer.Config, "bidirectional FAVOR+ (64 random features per head)"),
        new("hedgehog", "Hedgehog", StudyGroup.Linear, nameof(EncoderHedgehog), EncoderHedgehog.Config, "bidirectional learnable phi = softmax([xW, -xW]); narrower MLP"),
        new(StudyVariants.Method, "augmented (bidirectional)", StudyGroup.Augmented, nameof(EncoderAugmented), EncoderAugmented.Config,
            "ReLU^2 attention over whole groups of 64 + alpha x global term including the own group + 63-tap centred DWConv"),
        new(CausalOnly, "RetNet (causal)", StudyGroup.Linear, nameof(EncoderRetNet), EncoderRetNet.Config, "retention, a causal-only kind, run causally in the encoder"),
    ];

    /// <summary>Every seq2seq variant (same keys).</summary>
    public static IReadOnlyList<StudyVariant> Seq2Seq { get; } =
    [
        new(Reference, "softmax", StudyGroup.Reference, nameof(Seq2SeqSoftmax), Seq2SeqSoftmax.Config, "bidirectional softmax encoder, causal softmax decoder, softmax cross-attention"),
        new(CausalSoftmax, "softmax, causal encoder", StudyGroup.Reference, nameof(Seq2SeqSoftmaxCausal), Seq2SeqSoftmaxCausal.Config, "causal softmax in both stacks, softmax cross-attention"),
        new("elu", "linear, elu+1", StudyGroup.Linear, nameof(Seq2SeqEluLinear), Seq2SeqEluLinear.Config, "elu+1 linear attention (bidirectional encoder), linear cross-attention"),
        new("relu", "linear, ReLU", StudyGroup.Linear, nameof(Seq2SeqReluLinear), Seq2SeqReluLinear.Config, "relu linear attention (bidirectional encoder), linear cross-attention"),
        new("performer", "Performer", StudyGroup.Linear, nameof(Seq2SeqPerformer), Seq2SeqPerformer.Config, "FAVOR+ (bidirectional encoder), linear cross-attention"),
        new("hedgehog", "Hedgehog", StudyGroup.Linear, nameof(Seq2SeqHedgehog), Seq2SeqHedgehog.Config, "Hedgehog (bidirectional encoder), linear cross-attention; narrower MLP"),
        new(StudyVariants.Method, "augmented", StudyGroup.Augmented, nameof(Seq2SeqAugmented), Seq2SeqAugmented.Config,
            "bidirectional augmented encoder (centred conv), the causal method in the decoder, linear cross-attention"),
        new(CausalOnly, "RetNet (causal)", StudyGroup.Linear, nameof(Seq2SeqRetNet), Seq2SeqRetNet.Config, "retention in both stacks (causal encoder), linear cross-attention"),
    ];

    /// <summary>Parses a comma-separated list of keys of <paramref name="all"/> (null or empty: every one), keeping report order.</summary>
    /// <exception cref="StudyException">A key is unknown or the softmax reference is left out.</exception>
    public static IReadOnlyList<StudyVariant> Select(IReadOnlyList<StudyVariant> all, string? keys)
    {
        if (string.IsNullOrWhiteSpace(keys)) return all;
        var wanted = keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => k.ToLowerInvariant()).ToHashSet();
        foreach (var key in wanted)
        {
            if (!all.Any(v => v.Key == key))
                throw new StudyException($"unknown study variant '{key}'; the variants are {string.Join(", ", all.Select(v => v.Key))}.");
        }
        if (!wanted.Contains(Reference))
            throw new StudyException($"--variants must include '{Reference}': it is the reference of the parameter counts and of every comparison.");
        return all.Where(v => wanted.Contains(v.Key)).ToArray();
    }

    /// <summary>The micro shape of an encoder or seq2seq config: width 32, 2 encoder layers (seq2seq: 1 + 1), 2 heads, context 32, the default MLP.</summary>
    public static ModelConfig Micro(ModelConfig config)
    {
        const int width = StudyShapes.MicroWidth, heads = StudyShapes.MicroHeads, context = StudyShapes.MicroContext;
        int hidden = (8 * width / 3 + 7) / 8 * 8;
        if (config.Architecture != ModelArchitecture.Seq2Seq)
            return StudyShapes.Shrink(config, width, StudyShapes.MicroLayers, heads, context) with { MlpHidden = hidden };
        var encoder = config.Encoder!;
        var shrunkEncoder = StudyShapes.Shrink(config with { Mixer = encoder.Mixer, LayerMixers = new Dictionary<int, MixerSpec>() }, width, 1, heads, context);
        int crossHeads = Math.Min(config.CrossAttention!.Heads, heads);
        return StudyShapes.Shrink(config, width, 1, heads, context) with
        {
            MlpHidden = hidden,
            Encoder = new EncoderStackConfig { Layers = 1, Mixer = shrunkEncoder.Mixer },
            CrossAttention = config.CrossAttention with { Heads = crossHeads, KvHeads = crossHeads },
        };
    }
}
