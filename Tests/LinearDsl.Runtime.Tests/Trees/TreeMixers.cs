using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;
using LinearDsl.Runtime.Tests.CustomMixers;

namespace LinearDsl.Runtime.Tests.Trees;

/// <summary>The mixers the tree tests cover (float64, seeded parameters) and a state whose rows sit at different positions.</summary>
public static class TreeMixers
{
    /// <summary>The mixers whose tree form is native (the others, the custom one and any kind added later, take the generic form).</summary>
    public static readonly string[] Native =
    [
        "softmax", "softmax-rope-gqa", "softmax-growing-cache",
        "linear-eluplusone-den", "linear-relu-noden", "linear-performer-den", "linear-hedgehog-noden", "linear-elu-rope-gqa",
        "aug", "aug-rope-gqa", "aug-local", "aug-global", "aug-conv", "aug-local-global", "aug-group1-taps1",
        "aug-g2-taps5", "aug-g3-taps2", "aug-g5-taps4", "aug-g3-noconv",
    ];

    /// <summary>The native ones, the custom cosFormer sample, and every other mixer of the catalog (so a kind added there is covered here).</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Native.Append("cosformer").Concat(MixerCatalog.AllNames).Distinct()) data.Add(name);
        return data;
    }

    public static TokenMixer Create(string name)
    {
        if (MixerCatalog.AllNames.Contains(name)) return MixerCatalog.Create(name);
        var geometry = new MixerGeometry(2, 6, 2);
        TokenMixer mixer = name switch
        {
            "cosformer" => new CosFormerAttention(geometry, maxLength: 64),
            "aug-g3-noconv" => new AugmentedLinearAttention(geometry, new AugmentedLinearAttentionOptions { GroupSize = 3, Conv = false }, new RotaryEmbedding(6, theta: 100)),
            _ when name.StartsWith("aug-g", StringComparison.Ordinal) => Augmented(name, geometry),
            _ => throw new ArgumentException($"Unknown test mixer {name}."),
        };
        mixer.to(ScalarType.Float64);
        MixerCatalog.Randomize(mixer, seed: name.Length + 11);
        return mixer;
    }

    static AugmentedLinearAttention Augmented(string name, MixerGeometry geometry)
    {
        // "aug-g{G}-taps{K}"
        var parts = name.Split('-');
        int group = int.Parse(parts[1][1..], System.Globalization.CultureInfo.InvariantCulture);
        int taps = int.Parse(parts[2][4..], System.Globalization.CultureInfo.InvariantCulture);
        return new AugmentedLinearAttention(geometry, new AugmentedLinearAttentionOptions { GroupSize = group, ConvTaps = taps });
    }

    /// <summary>
    /// A state of 3 rows at positions prefix, prefix + 2 and prefix + 3 (so, with groups of 4 and prefix 5, at group
    /// offsets 1, 3 and 0): a prefill, then a verification of which the rows accept different counts.
    /// </summary>
    public static MixerState StateAtMixedPositions(TokenMixer mixer, int prefix, int seed)
    {
        var state = mixer.CreateState(3, ScalarType.Float64);
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(mixer, 3, prefix + 3, seed);
        mixer.Prefill(q.narrow(2, 0, prefix), k.narrow(2, 0, prefix), v.narrow(2, 0, prefix), state);
        var result = mixer.Verify(q.narrow(2, prefix, 3), k.narrow(2, prefix, 3), v.narrow(2, prefix, 3), state);
        using (result.Pending) mixer.Commit(state, result.Pending, [0, 2, 3]);
        return state;
    }

    /// <summary>Seeded float64 q [batch, heads, n, d], k and v [batch, kv_heads, n, d] for the mixer's geometry.</summary>
    public static (Tensor Q, Tensor K, Tensor V) Inputs(TokenMixer mixer, long batch, long n, int seed)
    {
        var g = mixer.Geometry;
        var generator = new torch.Generator((ulong)seed);
        return (Forms.Randn(generator, batch, g.Heads, n, g.HeadDim), Forms.Randn(generator, batch, g.KvHeads, n, g.HeadDim), Forms.Randn(generator, batch, g.KvHeads, n, g.HeadDim));
    }

    /// <summary>One random tree per row and the node count the inputs need (the widest tree).</summary>
    public static (CandidateTree[] Trees, int Width) RandomTrees(Random random, int rows, int depth, int branching)
    {
        var trees = Enumerable.Range(0, rows).Select(_ => TreeChecks.Random(random, random.Next(1, depth + 1), branching)).ToArray();
        // Row 0 always reaches the full depth, so the batch spans it.
        trees[0] = TreeChecks.Random(random, depth, branching);
        return (trees, trees.Max(t => t.Count));
    }
}
