using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>
/// Tiny model configurations covering every model-level choice (mixers, hybrids, GQA, positions, norms, MLPs, tied
/// embeddings), built in float64 with seeded random parameters of order one so that differences are visible.
/// </summary>
public static class ModelCatalog
{
    public const int VocabSize = 23;

    static readonly AugmentedLinearAttentionOptions Augmented = new() { GroupSize = MixerCatalog.GroupSize, ConvTaps = 3 };

    static readonly Dictionary<string, ModelConfig> Configs = new()
    {
        ["aug-rope"] = Base(MixerSpec.AugmentedLinear(2, Augmented)),
        ["linear-den"] = Base(MixerSpec.LinearAttention(2, new LinearAttentionOptions { Denominator = true, ChunkSize = 4 })) with { Positions = PositionKind.None },
        ["softmax"] = Base(MixerSpec.Softmax(2)),
        ["hybrid"] = Base(MixerSpec.AugmentedLinear(2, Augmented)) with
        {
            Layers = 3,
            LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Softmax(2) },
        },
        ["gqa"] = Base(MixerSpec.AugmentedLinear(4, Augmented, kvHeads: 2)) with { Width = 24 },
        ["learned-layernorm-gelu"] = Base(MixerSpec.AugmentedLinear(2, Augmented)) with
        {
            Positions = PositionKind.Learned,
            ContextLength = 48,
            Norm = NormKind.LayerNorm,
            Mlp = MlpKind.Gelu,
        },
        ["tied"] = Base(MixerSpec.AugmentedLinear(2, Augmented)) with { TieEmbeddings = true },
        ["performer-gqa"] = Base(MixerSpec.LinearAttention(4, new LinearAttentionOptions { FeatureMap = LinearFeatureMap.Performer, ChunkSize = 4, Seed = 3 }, kvHeads: 2)) with { Width = 16 },
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Configs.Keys) data.Add(name);
        return data;
    }

    public static ModelConfig Config(string name) => Configs[name];

    /// <summary>The model of <paramref name="name"/> in float64 with seeded random parameters.</summary>
    public static CausalLanguageModel Create(string name, int seed = 0)
    {
        var model = ModelFactory.Create(Configs[name], dtype: ScalarType.Float64);
        Randomize(model, seed + name.Length);
        return model;
    }

    /// <summary>
    /// Parameters of order one: norm scales near 1, matrices scaled by 1/sqrt(fan-in), everything else (alpha, conv
    /// kernels, biases, feature-map weights) N(0, 0.25).
    /// </summary>
    public static void Randomize(CausalLanguageModel model, int seed)
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

    /// <summary>Seeded token ids [batch, time].</summary>
    public static Tensor Tokens(long batch, long time, int seed = 1)
    {
        var random = new Random(seed);
        var ids = new long[batch * time];
        for (int i = 0; i < ids.Length; i++) ids[i] = random.Next(VocabSize);
        return tensor(ids, [batch, time]);
    }

    static ModelConfig Base(MixerSpec mixer) => new()
    {
        VocabSize = VocabSize,
        Width = 12,
        Layers = 2,
        ContextLength = 64,
        MlpHidden = 20,
        RopeTheta = 100,
        Mixer = mixer,
    };
}
