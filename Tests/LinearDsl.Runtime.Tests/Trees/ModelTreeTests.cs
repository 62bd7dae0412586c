using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.CustomMixers;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Trees;

/// <summary>
/// Model-level tree verification in float64, through every layer (norms and MLPs per token, hybrids with a different
/// mixer per layer, learned positions, a custom mixer): each node's logits equal chain Verify of its root-to-node
/// path, CommitPath leaves the state a chain commit leaves, with and without the decode program attached.
/// </summary>
public sealed class ModelTreeTests
{
    const double Tolerance = 1e-9;

    public static TheoryData<string, bool> Models()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in ((IEnumerable<object[]>)ModelCatalog.Names()).Select(row => (string)row[0]).Append("custom"))
        {
            data.Add(name, true);
            if (name is "hybrid" or "aug-rope") data.Add(name, false);
        }
        return data;
    }

    static CausalLanguageModel Create(string name, bool program)
    {
        var model = name == "custom" ? CustomModel() : ModelCatalog.Create(name);
        if (!program) model.UseDecodeProgram(null);
        return model;
    }

    /// <summary>A hand-assembled hybrid with the cosFormer sample (generic tree form) between two augmented layers.</summary>
    static CausalLanguageModel CustomModel()
    {
        var geometry = new MixerGeometry(heads: 2, headDim: 6);
        var options = new AugmentedLinearAttentionOptions { GroupSize = MixerCatalog.GroupSize, ConvTaps = 3 };
        DecoderBlock Block(TokenMixer mixer) => new(new RmsNorm(12), new AttentionLayer(12, mixer), new RmsNorm(12), new SwiGluMlp(12, 20));
        var model = new CausalLanguageModel(ModelCatalog.VocabSize, 12,
            [Block(new AugmentedLinearAttention(geometry, options)), Block(new CosFormerAttention(geometry, 64)), Block(new AugmentedLinearAttention(geometry, options))],
            new RmsNorm(12));
        model.to(ScalarType.Float64);
        ModelCatalog.Randomize(model, seed: 5);
        return model;
    }

    /// <summary>Rows at positions 6, 8 and 9 (group offsets 2, 0 and 1 for groups of 4).</summary>
    static ModelState StateAtMixedPositions(CausalLanguageModel model)
    {
        var state = model.CreateState(3);
        using var scope = NewDisposeScope();
        model.Prefill(ModelCatalog.Tokens(3, 6, seed: 2), state);
        var (_, pending) = model.Verify(ModelCatalog.Tokens(3, 3, seed: 3), state);
        using (pending) model.Commit(state, pending, [0, 2, 3]);
        return state;
    }

    static Tensor RandomTokens(Random random, int width)
        => tensor(Enumerable.Range(0, 3 * width).Select(_ => (long)random.Next(ModelCatalog.VocabSize)).ToArray(), [3, width]);

    static Tensor Along(Tensor tokens, int row, IReadOnlyList<int> path)
        => tokens.narrow(0, row, 1).index_select(1, tensor(path.Select(n => (long)n).ToArray()));

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_node_has_the_logits_of_chain_verification_of_its_path(string name, bool program)
    {
        using var model = Create(name, program);
        using var state = StateAtMixedPositions(model);
        var random = new Random(name.Length);
        foreach (var (depth, branching) in new[] { (8, 2), (5, 4), (1, 3) })
        {
            using var scope = NewDisposeScope();
            var (trees, width) = TreeMixers.RandomTrees(random, 3, depth, branching);
            var tokens = RandomTokens(random, width);
            var (logits, pending) = model.VerifyTree(tokens, state, trees);
            using (pending)
            {
                logits.shape.Should().Equal(3, width, ModelCatalog.VocabSize);
                for (int b = 0; b < 3; b++)
                {
                    foreach (int leaf in TreeChecks.Leaves(trees[b]))
                    {
                        var path = trees[b].PathTo(leaf);
                        using var copy = state.CopyRows([b]);
                        var (chain, chainPending) = model.Verify(Along(tokens, b, path), copy);
                        chainPending.Dispose();
                        Forms.MaxAbsDiff(Along(logits, b, path), chain)
                            .Should().BeLessThan(Tolerance, $"row {b}, path [{string.Join(", ", path)}]");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Committing_a_path_leaves_the_chain_commit_state_and_decoding_continues_alike(string name, bool program)
    {
        using var model = Create(name, program);
        using var start = StateAtMixedPositions(model);
        var random = new Random(name.Length + 1);
        for (int round = 0; round < 3; round++)
        {
            using var scope = NewDisposeScope();
            var (trees, width) = TreeMixers.RandomTrees(random, 3, depth: 7, branching: 3);
            var tokens = RandomTokens(random, width);
            var paths = trees.Select((t, b) => round == 1 && b == 2 ? (IReadOnlyList<int>)[] : t.PathTo(random.Next(t.Count))).ToArray();

            using var viaTree = start.CopyRows([0, 1, 2]);
            var (_, pending) = model.VerifyTree(tokens, viaTree, trees);
            using (pending) model.CommitPath(viaTree, pending, paths);

            using var viaChain = start.CopyRows([0, 1, 2]);
            int longest = paths.Max(p => p.Count);
            // Each row's accepted path as a chain (padded with its last token; the padding is never accepted).
            var ids = new long[3 * Math.Max(longest, 1)];
            for (int b = 0; b < 3; b++)
                for (int t = 0; t < longest; t++) ids[b * longest + t] = paths[b].Count == 0 ? 0 : Token(tokens, b, paths[b][Math.Min(t, paths[b].Count - 1)]);
            var chainTokens = tensor(ids, [3, Math.Max(longest, 1)]);
            var (_, chainPending) = model.Verify(chainTokens, viaChain);
            using (chainPending) model.Commit(viaChain, chainPending, paths.Select(p => (long)p.Count).ToArray());

            viaTree.Positions.Should().Equal(start.Positions.Select((p, b) => p + paths[b].Count));
            for (int layer = 0; layer < model.Layers.Count; layer++)
                TreeChecks.StateDifference(viaTree.Layers[layer], viaChain.Layers[layer]).Should().BeLessThan(1e-12, $"layer {layer}");
            var next = RandomTokens(random, 1);
            Forms.MaxAbsDiff(model.Step(next, viaTree), model.Step(next, viaChain)).Should().BeLessThan(1e-12);
        }
    }

    static long Token(Tensor tokens, int row, int node) => tokens[row, node].item<long>();

    [Fact]
    public void Repeated_tree_rounds_do_not_grow_the_live_tensor_count()
    {
        using var model = Create("hybrid", program: true);
        using var state = model.CreateState(3);
        var random = new Random(9);
        var trees = new[] { new CandidateTree([-1, 0, 0, 1, 2, 3]), CandidateTree.Chain(4), new CandidateTree([-1, -1, 0, 1]) };
        using var tokens = RandomTokens(random, 6);
        void Rounds(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                var (_, pending) = model.VerifyTree(tokens, state, trees);
                using (pending) model.CommitPath(state, pending, trees.Select(t => t.PathTo(random.Next(t.Count))).ToArray());
            }
        }
        Rounds(2);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Rounds(12);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void The_generic_tree_form_frees_its_copied_state_too()
    {
        using var model = Create("custom", program: false);
        using var state = model.CreateState(3);
        var trees = new[] { new CandidateTree([-1, 0, 0]), CandidateTree.Chain(3), new CandidateTree([-1, -1, 1]) };
        using var tokens = RandomTokens(new Random(2), 3);
        void Rounds(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                var (_, pending) = model.VerifyTree(tokens, state, trees);
                using (pending) model.CommitPath(state, pending, [[0, 2], [0], []]);
            }
        }
        Rounds(2);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Rounds(10);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
