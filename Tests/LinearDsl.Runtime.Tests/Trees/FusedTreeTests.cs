using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Trees;

/// <summary>
/// Tree verification through the decode program (float64): the program's tree verification (managed kernels for
/// augmented linear and softmax attention, the tree forms of the other mixers) gives the composed modules' logits
/// and records, bit-identically for any thread count, and its records commit like theirs.
/// </summary>
public sealed class FusedTreeTests
{
    const double Tolerance = 1e-12;

    public static TheoryData<string> Models() => ModelCatalog.Names();

    /// <summary>Rows at positions 6, 8 and 9 (group offsets 2, 0 and 1 for groups of 4), so depth 8 crosses two group boundaries.</summary>
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

    /// <summary>Depth 1..8 with branching 1..4, different trees per row.</summary>
    static IEnumerable<(int Depth, int Branching)> Shapes()
    {
        for (int depth = 1; depth <= 8; depth++) yield return (depth, 1 + depth % 4);
        yield return (8, 4);
        yield return (3, 1);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_program_verifies_trees_as_the_composed_modules_do(string name)
    {
        using var model = ModelCatalog.Create(name);
        model.DecodeProgram.Should().NotBeNull();
        var program = model.DecodeProgram;
        using var start = StateAtMixedPositions(model);
        var random = new Random(name.Length + 3);
        foreach (var (depth, branching) in Shapes())
        {
            using var scope = NewDisposeScope();
            var (trees, width) = TreeMixers.RandomTrees(random, 3, depth, branching);
            var tokens = RandomTokens(random, width);
            var path = trees.Select(t => t.PathTo(random.Next(t.Count))).ToArray();

            using var viaProgram = start.CopyRows([0, 1, 2]);
            long served = FusedDecodeProgram.t_treeVerifications;
            var fused = model.VerifyTree(tokens, viaProgram, trees);
            FusedDecodeProgram.t_treeVerifications.Should().Be(served + 1, "the decode program serves float64 CPU trees");

            using var viaModules = start.CopyRows([0, 1, 2]);
            model.UseDecodeProgram(null);
            ModelVerifyResult composed;
            try
            {
                composed = model.VerifyTree(tokens, viaModules, trees);
            }
            finally
            {
                model.UseDecodeProgram(program);
            }
            Forms.MaxAbsDiff(fused.Logits, composed.Logits).Should().BeLessThan(Tolerance, $"depth {depth}, branching {branching}");

            // Each record commits into its own copy of the state; the two states agree, and so does the next step.
            using (fused.Pending) model.CommitPath(viaProgram, fused.Pending, path);
            using (composed.Pending) model.CommitPath(viaModules, composed.Pending, path);
            for (int layer = 0; layer < model.Layers.Count; layer++)
                TreeChecks.StateDifference(viaProgram.Layers[layer], viaModules.Layers[layer]).Should().BeLessThan(Tolerance, $"layer {layer}");
            var next = RandomTokens(random, 1);
            Forms.MaxAbsDiff(model.Step(next, viaProgram), model.Step(next, viaModules)).Should().BeLessThan(Tolerance);
        }
    }

    [Theory]
    [InlineData("aug-rope")]
    [InlineData("hybrid")]
    [InlineData("gqa")]
    [InlineData("softmax")]
    public void Tree_verification_gives_the_same_bits_on_one_two_and_three_threads(string name)
    {
        using var model = ModelCatalog.Create(name);
        using var start = StateAtMixedPositions(model);
        var trees = new[] { TreeChecks.Random(new Random(1), 8, 3), new CandidateTree([-1, 0, 0, 1, 2, 3, -1]), CandidateTree.Chain(5) };
        int width = trees.Max(t => t.Count);
        using var tokens = RandomTokens(new Random(4), width);
        double[] Run(int threads)
        {
            using var forced = FusedDecoding.Force(threads, threshold: 1);
            using var state = start.CopyRows([0, 1, 2]);
            var (logits, pending) = model.VerifyTree(tokens, state, trees);
            using (logits)
            using (pending)
            {
                model.CommitPath(state, pending, trees.Select(t => t.PathTo(t.Count - 1)).ToArray());
                var values = logits.data<double>().ToList();
                foreach (var layer in state.Layers)
                    foreach (var (_, value) in layer.Tensors.OrderBy(p => p.Key, StringComparer.Ordinal))
                        values.AddRange(value.contiguous().data<double>());
                return [.. values];
            }
        }
        var one = Run(1);
        Run(2).Should().Equal(one);
        Run(3).Should().Equal(one);
    }

    [Fact]
    public void An_int8_model_verifies_trees_through_its_program_as_chains()
    {
        using var model = ModelCatalog.Create("aug-rope");
        model.QuantizeToInt8();
        using var state = StateAtMixedPositions(model);
        var random = new Random(6);
        using var scope = NewDisposeScope();
        var (trees, width) = TreeMixers.RandomTrees(random, 3, depth: 6, branching: 3);
        var tokens = RandomTokens(random, width);
        var (logits, pending) = model.VerifyTree(tokens, state, trees);
        using (pending)
        {
            for (int b = 0; b < 3; b++)
            {
                foreach (int leaf in TreeChecks.Leaves(trees[b]))
                {
                    var path = trees[b].PathTo(leaf);
                    var index = tensor(path.Select(n => (long)n).ToArray());
                    using var copy = state.CopyRows([b]);
                    var (chain, chainPending) = model.Verify(tokens.narrow(0, b, 1).index_select(1, index), copy);
                    chainPending.Dispose();
                    Forms.MaxAbsDiff(logits.narrow(0, b, 1).index_select(1, index), chain).Should().BeLessThan(1e-9);
                }
            }
        }
    }
}
