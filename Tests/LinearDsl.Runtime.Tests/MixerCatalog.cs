using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Tests;

/// <summary>Every mixer configuration the equivalence tests cover, at tiny sizes, in float64 with random parameters.</summary>
public static class MixerCatalog
{
    public const int GroupSize = 4;

    static readonly Dictionary<string, Func<TokenMixer>> Factories = Build();

    public static IEnumerable<string> AllNames => Factories.Keys;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Factories.Keys) data.Add(name);
        return data;
    }

    /// <summary>Geometry (heads, kv heads, head size) used by every mixer below.</summary>
    public static (int Heads, int KvHeads, int HeadDim) Shape(string name)
        => name.Contains("gqa") ? (4, 2, 6) : (2, 2, 6);

    public static TokenMixer Create(string name)
    {
        var mixer = Factories[name]();
        mixer.to(ScalarType.Float64);
        Randomize(mixer, seed: name.Length);
        return mixer;
    }

    static Dictionary<string, Func<TokenMixer>> Build()
    {
        var f = new Dictionary<string, Func<TokenMixer>>();
        MixerGeometry Geo(string n) { var (h, kv, d) = Shape(n); return new MixerGeometry(h, d, kv); }
        RotaryEmbedding Rope(string n) => new(Shape(n).HeadDim, theta: 100);
        AugmentedLinearAttentionOptions Aug(bool local = true, bool global = true, bool conv = true)
            => new() { GroupSize = GroupSize, ConvTaps = 3, Local = local, Global = global, Conv = conv };

        f["aug"] = () => new AugmentedLinearAttention(Geo("aug"), Aug());
        f["aug-rope-gqa"] = () => new AugmentedLinearAttention(Geo("aug-rope-gqa"), Aug(), Rope("aug-rope-gqa"));
        f["aug-local"] = () => new AugmentedLinearAttention(Geo("aug-local"), Aug(global: false, conv: false));
        f["aug-global"] = () => new AugmentedLinearAttention(Geo("aug-global"), Aug(local: false, conv: false));
        f["aug-conv"] = () => new AugmentedLinearAttention(Geo("aug-conv"), Aug(local: false, global: false));
        f["aug-local-global"] = () => new AugmentedLinearAttention(Geo("aug-local-global"), Aug(conv: false));
        f["aug-group1-taps1"] = () => new AugmentedLinearAttention(Geo("aug-group1-taps1"), Aug() with { GroupSize = 1, ConvTaps = 1 });
        // The augmented form on a GLA-gated global term (issue 16): every part, GQA with rotary, and groups of one token.
        f["aug-gla"] = () => new AugmentedLinearAttention(Geo("aug-gla"), Aug() with { Gate = LinearDsl.GateKind.Gla, GateTemperature = 4 });
        f["aug-gla-rope-gqa"] = () => new AugmentedLinearAttention(Geo("aug-gla-rope-gqa"), Aug() with { Gate = LinearDsl.GateKind.Gla }, Rope("aug-gla-rope-gqa"));
        f["aug-gla-global-group1"] = () => new AugmentedLinearAttention(Geo("aug-gla-global-group1"), Aug(local: false, conv: false) with { Gate = LinearDsl.GateKind.Gla, GroupSize = 1 });
        foreach (var kind in Enum.GetValues<LinearFeatureMap>().Where(k => k != LinearFeatureMap.L2))
        {
            foreach (bool denominator in new[] { true, false })
            {
                string name = $"linear-{kind}-{(denominator ? "den" : "noden")}".ToLowerInvariant();
                f[name] = () => new LinearAttention(Geo(name), new LinearAttentionOptions { FeatureMap = kind, Denominator = denominator, ChunkSize = 4, Seed = 7 });
            }
        }
        f["linear-elu-rope-gqa"] = () => new LinearAttention(Geo("linear-elu-rope-gqa"), new LinearAttentionOptions { ChunkSize = 4 }, Rope("linear-elu-rope-gqa"));
        // Gated and decayed kinds (one chunked core): chunks of 4 so that the test lengths cross chunk borders.
        f["retnet"] = () => new RetNetAttention(Geo("retnet"), new RetNetOptions { ChunkSize = 4 });
        f["retnet-rope-gqa"] = () => new RetNetAttention(Geo("retnet-rope-gqa"), new RetNetOptions { ChunkSize = 4 }, Rope("retnet-rope-gqa"));
        f["gla"] = () => new GlaAttention(Geo("gla"), new GlaOptions { ChunkSize = 4, GateTemperature = 2 });
        f["gla-rope-gqa-nonorm"] = () => new GlaAttention(Geo("gla-rope-gqa-nonorm"), new GlaOptions { ChunkSize = 5, OutputNorm = false }, Rope("gla-rope-gqa-nonorm"));
        f["mamba2"] = () => new Mamba2Attention(Geo("mamba2"), new Mamba2Options { ChunkSize = 4 });
        f["mamba2-rope-gqa-nonorm"] = () => new Mamba2Attention(Geo("mamba2-rope-gqa-nonorm"), new Mamba2Options { ChunkSize = 3, OutputNorm = false }, Rope("mamba2-rope-gqa-nonorm"));
        f["softmax"] = () => new SoftmaxAttention(Geo("softmax"), initialCapacity: 64);
        f["softmax-rope-gqa"] = () => new SoftmaxAttention(Geo("softmax-rope-gqa"), Rope("softmax-rope-gqa"), initialCapacity: 64);
        f["softmax-growing-cache"] = () => new SoftmaxAttention(Geo("softmax-growing-cache"), initialCapacity: 2);
        // DeltaNet (gated-delta): chunks of 4 (times cross chunk borders) and a rotary GQA variant with chunks of 3.
        f["deltanet"] = () => new DeltaNet(Geo("deltanet"), new DeltaNetOptions { ChunkSize = 4 });
        f["deltanet-rope-gqa"] = () => new DeltaNet(Geo("deltanet-rope-gqa"), new DeltaNetOptions { ChunkSize = 3 }, Rope("deltanet-rope-gqa"));
        return f;
    }

    /// <summary>Gives every parameter (alpha, conv kernel, learnable feature maps) a seeded random value.</summary>
    public static void Randomize(TokenMixer mixer, int seed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new torch.Generator((ulong)seed + 1);
        foreach (var (_, p) in mixer.named_parameters())
            p.copy_(randn(p.shape, p.dtype, generator: generator).mul(0.5));
    }

    /// <summary>Seeded q [batch, heads, time, d], k and v [batch, kv_heads, time, d] in float64.</summary>
    public static (Tensor Q, Tensor K, Tensor V) Inputs(string name, long batch, long time, int seed = 1)
    {
        var (h, kv, d) = Shape(name);
        var generator = new torch.Generator((ulong)seed);
        return (Forms.Randn(generator, batch, h, time, d), Forms.Randn(generator, batch, kv, time, d), Forms.Randn(generator, batch, kv, time, d));
    }
}
