using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Encoders;

/// <summary>
/// Tiny encoder and seq2seq configurations (bidirectional and causal mixers, both cross-attention kinds, learned
/// positions, GQA, tied heads), built in float64 with seeded parameters of order one so that differences are visible.
/// </summary>
public static class EncoderCatalog
{
    public const int VocabSize = 23;
    public const int MaskTokenId = 22;

    static readonly AugmentedLinearAttentionOptions Augmented = new() { GroupSize = 4, ConvTaps = 3 };

    /// <summary>Encoder mixers, and whether each reads later tokens.</summary>
    public static readonly Dictionary<string, (MixerSpec Mixer, bool Bidirectional)> EncoderMixers = new()
    {
        ["softmax-bidirectional"] = (MixerSpec.Softmax(2, bidirectional: true), true),
        ["linear-bidirectional"] = (MixerSpec.LinearAttention(2, new LinearAttentionOptions { Bidirectional = true, ChunkSize = 4 }), true),
        ["linear-bidirectional-performer-gqa"] = (MixerSpec.LinearAttention(4, new LinearAttentionOptions { Bidirectional = true, FeatureMap = LinearFeatureMap.Performer, Seed = 2 }, kvHeads: 2), true),
        ["augmented-centered-conv"] = (MixerSpec.AugmentedLinear(2, Augmented with { ConvPadding = ConvPadding.Centered }), true),
        ["augmented-unmasked-local"] = (MixerSpec.AugmentedLinear(2, Augmented with { CausalLocal = false }), true),
        ["augmented-inclusive-global"] = (MixerSpec.AugmentedLinear(2, Augmented with { InclusiveGlobalPrefix = true }), true),
        ["softmax-causal"] = (MixerSpec.Softmax(2), false),
        ["linear-causal"] = (MixerSpec.LinearAttention(2, new LinearAttentionOptions { ChunkSize = 4 }), false),
        ["augmented-causal"] = (MixerSpec.AugmentedLinear(2, Augmented), false),
        ["gla"] = (MixerSpec.Of(2, new GlaOptions { ChunkSize = 4 }), false),
    };

    public static TheoryData<string> EncoderMixerNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in EncoderMixers.Keys) data.Add(name);
        return data;
    }

    public static ModelConfig Encoder(MixerSpec mixer, Pooling pooling = Pooling.Mean) => new()
    {
        Architecture = ModelArchitecture.Encoder,
        VocabSize = VocabSize,
        Width = 16,
        Layers = 2,
        ContextLength = 64,
        MlpHidden = 20,
        RopeTheta = 100,
        Mixer = mixer,
        MaskTokenId = MaskTokenId,
        Pooling = pooling,
    };

    public static readonly Dictionary<string, ModelConfig> Seq2SeqConfigs = new()
    {
        ["softmax-cross"] = Seq2Seq(MixerSpec.AugmentedLinear(2, Augmented), MixerSpec.Softmax(2, bidirectional: true),
            new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 2, KvHeads = 2 }),
        ["linear-cross"] = Seq2Seq(MixerSpec.LinearAttention(2, new LinearAttentionOptions { ChunkSize = 4 }),
            MixerSpec.LinearAttention(2, new LinearAttentionOptions { Bidirectional = true }),
            new CrossAttentionSpec { Kind = CrossAttentionKind.Linear, Heads = 2, KvHeads = 2 }),
        ["linear-cross-performer-gqa-learned"] = Seq2Seq(MixerSpec.Softmax(4, kvHeads: 2), MixerSpec.AugmentedLinear(2, Augmented with { ConvPadding = ConvPadding.Centered, CausalLocal = false }),
            new CrossAttentionSpec { Kind = CrossAttentionKind.Linear, Heads = 4, KvHeads = 2, FeatureMap = LinearFeatureMap.Performer }) with
        {
            Positions = PositionKind.Learned,
            TieEmbeddings = true,
            DecoderStartTokenId = 3,
        },
        ["softmax-cross-gqa-gla"] = Seq2Seq(MixerSpec.Of(2, new GlaOptions { ChunkSize = 4 }), MixerSpec.Softmax(2, bidirectional: true),
            new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 4, KvHeads = 1 }) with { AttentionBias = true },
    };

    public static TheoryData<string> Seq2SeqNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Seq2SeqConfigs.Keys) data.Add(name);
        return data;
    }

    static ModelConfig Seq2Seq(MixerSpec decoder, MixerSpec encoder, CrossAttentionSpec cross) => new()
    {
        Architecture = ModelArchitecture.Seq2Seq,
        VocabSize = VocabSize,
        Width = 16,
        Layers = 2,
        ContextLength = 64,
        MlpHidden = 20,
        RopeTheta = 100,
        Mixer = decoder,
        Encoder = new EncoderStackConfig { Layers = 2, Mixer = encoder },
        CrossAttention = cross,
    };

    public static EncoderModel CreateEncoder(string name, int seed = 0, Pooling pooling = Pooling.Mean)
    {
        var model = ModelFactory.CreateEncoder(Encoder(EncoderMixers[name].Mixer, pooling), dtype: ScalarType.Float64);
        Randomize(model, seed + name.Length);
        return model;
    }

    public static Seq2SeqModel CreateSeq2Seq(string name, int seed = 0)
    {
        var model = ModelFactory.CreateSeq2Seq(Seq2SeqConfigs[name], dtype: ScalarType.Float64);
        Randomize(model, seed + name.Length);
        return model;
    }

    /// <summary>Parameters of order one, as <see cref="ModelCatalog.Randomize"/> gives a causal LM.</summary>
    public static void Randomize(nn.Module model, int seed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new torch.Generator((ulong)seed + 1);
        foreach (var (key, p) in model.named_parameters())
        {
            var noise = randn(p.shape, p.dtype, generator: generator);
            if (key.EndsWith("norm.weight", StringComparison.Ordinal)) p.copy_(noise.mul(0.2).add(1));
            else if (p.dim() == 2) p.copy_(noise.div(Math.Sqrt(p.shape[1])));
            else p.copy_(noise.mul(0.5));
        }
    }

    /// <summary>Seeded token ids [batch, time] below <paramref name="below"/>.</summary>
    public static Tensor Tokens(long batch, long time, int seed = 1, int below = VocabSize)
    {
        var random = new Random(seed);
        var ids = new long[batch * time];
        for (int i = 0; i < ids.Length; i++) ids[i] = random.Next(below);
        return tensor(ids, [batch, time]);
    }
}
