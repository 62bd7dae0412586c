using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Trees;

/// <summary>
/// Mixer-level tree verification in float64: every node's output equals chain Verify of its root-to-node path, and
/// CommitPath leaves the state that committing the path as a chain leaves, for every kind of mixer (the custom one
/// through the generic chain cover), with rows at different positions mid-group and different trees per row.
/// </summary>
public sealed class MixerTreeTests
{
    const double Tolerance = 1e-10;

    [Theory]
    [MemberData(nameof(TreeMixers.Names), MemberType = typeof(TreeMixers))]
    public void Every_node_equals_chain_verification_of_its_path(string name)
    {
        using var mixer = TreeMixers.Create(name);
        var random = new Random(name.Length);
        foreach (int prefix in new[] { 5, 6 })
        {
            using var state = TreeMixers.StateAtMixedPositions(mixer, prefix, seed: prefix);
            for (int round = 0; round < 3; round++)
            {
                using var scope = NewDisposeScope();
                var (trees, width) = TreeMixers.RandomTrees(random, 3, depth: 3 + 2 * round + prefix % 2, branching: 1 + round + prefix % 2);
                var (q, k, v) = TreeMixers.Inputs(mixer, 3, width, seed: 100 * prefix + round);
                long version = state.Version;
                var result = mixer.VerifyTree(q, k, v, state, trees);
                using (result.Pending)
                {
                    state.Version.Should().Be(version, "verification reads the state and never writes it");
                    // The built-in kinds verify the whole tree at once; only the custom mixer takes the chain cover.
                    if (TreeMixers.Native.Contains(name)) result.Pending.Should().BeOfType<NodeTensorsPending>();
                    if (name == "cosformer") result.Pending.Should().BeOfType<ChainCoverPending>();
                    result.Output.shape.Should().Equal(3, mixer.Geometry.Heads, width, mixer.Geometry.HeadDim);
                    TreeChecks.CheckAgainstChains(mixer, state, q, k, v, trees, result.Output, Tolerance);
                }
            }
        }
    }

    [Theory]
    [InlineData("aug", 1, 1)]
    [InlineData("aug", 8, 1)]
    [InlineData("aug", 8, 4)]
    [InlineData("aug", 5, 3)]
    [InlineData("aug-rope-gqa", 8, 2)]
    [InlineData("aug-g2-taps5", 8, 3)]
    [InlineData("aug-group1-taps1", 6, 4)]
    [InlineData("softmax-rope-gqa", 8, 4)]
    [InlineData("linear-elu-rope-gqa", 8, 4)]
    [InlineData("cosformer", 6, 3)]
    public void Depths_and_branchings_over_one_and_two_group_boundaries(string name, int depth, int branching)
    {
        using var mixer = TreeMixers.Create(name);
        var random = new Random(depth * 10 + branching);
        // Rows at group offsets 1, 3 and 0 (groups of 4): depth 8 crosses two boundaries from every offset.
        using var state = TreeMixers.StateAtMixedPositions(mixer, prefix: 5, seed: depth);
        for (int round = 0; round < 2; round++)
        {
            using var scope = NewDisposeScope();
            var (trees, width) = TreeMixers.RandomTrees(random, 3, depth, branching);
            var (q, k, v) = TreeMixers.Inputs(mixer, 3, width, seed: round + 7);
            var result = mixer.VerifyTree(q, k, v, state, trees);
            using (result.Pending) TreeChecks.CheckAgainstChains(mixer, state, q, k, v, trees, result.Output, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(TreeMixers.Names), MemberType = typeof(TreeMixers))]
    public void Committing_a_path_equals_committing_it_as_a_chain_and_a_step_then_agrees(string name)
    {
        using var mixer = TreeMixers.Create(name);
        var random = new Random(name.Length + 5);
        using var start = TreeMixers.StateAtMixedPositions(mixer, prefix: 5, seed: 3);
        for (int round = 0; round < 4; round++)
        {
            using var scope = NewDisposeScope();
            var (trees, width) = TreeMixers.RandomTrees(random, 3, depth: 8, branching: 3);
            var (q, k, v) = TreeMixers.Inputs(mixer, 3, width, seed: round + 40);
            // Round 0 accepts nothing in row 1; the others take a random node's path (empty now and then).
            var paths = trees.Select((t, b) => round == 0 && b == 1 || random.Next(5) == 0 ? (IReadOnlyList<int>)[] : t.PathTo(random.Next(t.Count))).ToArray();

            using var viaTree = start.CopyRows([0, 1, 2]);
            var result = mixer.VerifyTree(q, k, v, viaTree, trees);
            using (result.Pending) mixer.CommitPath(viaTree, result.Pending, paths);

            using var viaChain = start.CopyRows([0, 1, 2]);
            int longest = paths.Max(p => p.Count);
            if (longest > 0)
            {
                var index = tensor(paths.SelectMany(p => Enumerable.Range(0, longest).Select(t => (long)(p.Count == 0 ? 0 : p[Math.Min(t, p.Count - 1)]))).ToArray(), [3, 1, longest, 1]);
                Tensor Chain(Tensor x) => x.gather(2, index.expand(3, x.shape[1], longest, x.shape[3]));
                var chain = mixer.Verify(Chain(q), Chain(k), Chain(v), viaChain);
                using (chain.Pending) mixer.Commit(viaChain, chain.Pending, paths.Select(p => (long)p.Count).ToArray());
            }

            viaTree.Positions.Should().Equal(start.Positions.Select((p, b) => p + paths[b].Count));
            TreeChecks.StateDifference(viaTree, viaChain).Should().BeLessThan(1e-12);
            var (sq, sk, sv) = TreeMixers.Inputs(mixer, 3, 1, seed: round + 90);
            Forms.MaxAbsDiff(mixer.Step(sq, sk, sv, viaTree), mixer.Step(sq, sk, sv, viaChain)).Should().BeLessThan(1e-12);
        }
    }

    [Fact]
    public void A_chain_tree_gives_chain_verification_and_padding_slots_stay_out_of_real_nodes()
    {
        using var mixer = TreeMixers.Create("aug-rope-gqa");
        using var state = TreeMixers.StateAtMixedPositions(mixer, prefix: 6, seed: 2);
        using var scope = NewDisposeScope();
        var (q, k, v) = TreeMixers.Inputs(mixer, 3, 5, seed: 4);
        var trees = new[] { CandidateTree.Chain(5), CandidateTree.Chain(2), new CandidateTree([-1, 0, 0]) };
        var tree = mixer.VerifyTree(q, k, v, state, trees);
        var chain = mixer.Verify(q, k, v, state);
        using (tree.Pending)
        using (chain.Pending)
        {
            Forms.MaxAbsDiff(tree.Output.narrow(0, 0, 1), chain.Output.narrow(0, 0, 1)).Should().BeLessThan(Tolerance);
            Forms.MaxAbsDiff(tree.Output.narrow(0, 1, 1).narrow(2, 0, 2), chain.Output.narrow(0, 1, 1).narrow(2, 0, 2)).Should().BeLessThan(Tolerance);
        }
        // Changing the padding slots of rows 1 and 2 changes none of their real nodes.
        var noisy = v.clone();
        noisy.narrow(0, 1, 1).narrow(2, 2, 3).add_(5);
        noisy.narrow(0, 2, 1).narrow(2, 3, 2).add_(5);
        var again = mixer.VerifyTree(q, k, noisy, state, trees);
        using (again.Pending)
        {
            Forms.MaxAbsDiff(again.Output.narrow(0, 1, 1).narrow(2, 0, 2), tree.Output.narrow(0, 1, 1).narrow(2, 0, 2)).Should().Be(0);
            Forms.MaxAbsDiff(again.Output.narrow(0, 2, 1).narrow(2, 0, 3), tree.Output.narrow(0, 2, 1).narrow(2, 0, 3)).Should().Be(0);
        }
    }
}
