using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Trees;

/// <summary>Bad trees, paths and records fail with one clear line, before anything changes.</summary>
public sealed class TreeBadInputTests
{
    static void OneLine(Exception error, params string[] fragments)
    {
        error.Message.Should().NotContain("\n");
        foreach (var fragment in fragments) error.Message.Should().Contain(fragment);
    }

    [Theory]
    [InlineData(new[] { -1, 1 }, "node 1 has parent 1")]
    [InlineData(new[] { -1, 0, 3, 1 }, "node 2 has parent 3")]
    [InlineData(new[] { -2 }, "node 0 has parent -2")]
    public void Malformed_parents_are_refused(int[] parents, string fragment)
    {
        var act = () => new CandidateTree(parents);
        OneLine(act.Should().Throw<ArgumentException>().Which, fragment, "topological order");
    }

    [Fact]
    public void Tree_queries_check_their_node()
    {
        var tree = new CandidateTree([-1, 0, 0, 1]);
        tree.PathTo(3).Should().Equal(0, 1, 3);
        tree.Depth(3).Should().Be(2);
        tree.Height.Should().Be(3);
        tree.IsAncestorOrSelf(1, 3).Should().BeTrue();
        tree.IsAncestorOrSelf(2, 3).Should().BeFalse();
        tree.IsAncestorOrSelf(3, 3).Should().BeTrue();
        tree.IsPath([0, 2]).Should().BeTrue();
        tree.IsPath([]).Should().BeTrue();
        tree.IsPath([1, 3]).Should().BeFalse();
        CandidateTree.Chain(3).Parents.Should().Equal(-1, 0, 1);
        var act = () => tree.Depth(4);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("The tree has nodes 0..3.*");
    }

    [Fact]
    public void Tree_count_and_node_count_mismatches_are_refused_at_both_levels()
    {
        using var model = ModelCatalog.Create("hybrid");
        using var state = model.CreateState(2);
        using var tokens = ModelCatalog.Tokens(2, 3);
        var one = () => model.VerifyTree(tokens, state, [CandidateTree.Chain(3)]);
        OneLine(one.Should().Throw<ArgumentException>().Which, "got 1 candidate trees for a batch of 2 rows");
        var wide = () => model.VerifyTree(tokens, state, [CandidateTree.Chain(3), CandidateTree.Chain(4)]);
        OneLine(wide.Should().Throw<ArgumentException>().Which, "row 1 has 4 nodes but the inputs hold 3");
        var none = () => model.VerifyTree(tokens, state, [CandidateTree.Chain(3), null!]);
        OneLine(none.Should().Throw<ArgumentException>().Which, "row 1 is null");

        using var mixer = TreeMixers.Create("aug");
        using var mixerState = mixer.CreateState(2, ScalarType.Float64);
        var (q, k, v) = TreeMixers.Inputs(mixer, 2, 3, seed: 1);
        var mixerWide = () => mixer.VerifyTree(q, k, v, mixerState, [CandidateTree.Chain(2), CandidateTree.Chain(5)]);
        OneLine(mixerWide.Should().Throw<ArgumentException>().Which, "row 1 has 5 nodes");
        state.Version.Should().Be(0);
    }

    [Theory]
    [InlineData(new[] { 1 }, "starts at node 1, which is not a root")]
    [InlineData(new[] { 0, 3 }, "node 3's parent is 1, not 0")]
    [InlineData(new[] { 0, 7 }, "node 7 is not in the tree")]
    [InlineData(new[] { 4 }, "node 4 is not in the tree")]     // a padding slot of row 0 is no node
    public void A_path_that_is_not_root_to_node_is_refused_and_nothing_changes(int[] path, string fragment)
    {
        using var model = ModelCatalog.Create("hybrid");
        using var state = model.CreateState(2);
        model.Prefill(ModelCatalog.Tokens(2, 5), state);
        using var tokens = ModelCatalog.Tokens(2, 5, seed: 4);
        var trees = new[] { new CandidateTree([-1, 0, 0, 1]), CandidateTree.Chain(5) };
        var (_, pending) = model.VerifyTree(tokens, state, trees);
        using (pending)
        {
            long version = state.Version;
            var keys = state.Layers[1].Tensors["keys"].clone();
            var act = () => model.CommitPath(state, pending, [path, [0, 1]]);
            OneLine(act.Should().Throw<ArgumentException>().Which, "row 0's path", fragment);
            state.Version.Should().Be(version);
            state.Positions.Should().Equal(5, 5);
            Forms.MaxAbsDiff(state.Layers[1].Tensors["keys"], keys).Should().Be(0);
            // The record is still good for a proper path.
            model.CommitPath(state, pending, [[0, 1, 3], []]);
            state.Positions.Should().Equal(8, 5);
        }
    }

    [Fact]
    public void Path_count_records_of_the_other_kind_and_stale_records_are_refused()
    {
        using var model = ModelCatalog.Create("aug-rope");
        using var state = model.CreateState(2);
        using var tokens = ModelCatalog.Tokens(2, 3);
        var trees = new[] { CandidateTree.Chain(3), new CandidateTree([-1, -1, 0]) };
        var (_, tree) = model.VerifyTree(tokens, state, trees);
        var (_, chain) = model.Verify(tokens, state);
        using (tree)
        using (chain)
        {
            var count = () => model.CommitPath(state, tree, [[0]]);
            OneLine(count.Should().Throw<ArgumentException>().Which, "got 1 paths for a batch of 2 rows");
            var chainIntoPath = () => model.CommitPath(state, chain, [[0], [0]]);
            OneLine(chainIntoPath.Should().Throw<ArgumentException>().Which, "chain Verify", "commit it with Commit");
            var treeIntoCommit = () => model.Commit(state, tree, [1, 1]);
            OneLine(treeIntoCommit.Should().Throw<ArgumentException>().Which, "VerifyTree", "CommitPath");

            var mixer = model.Layers[0].Attention.Mixer;
            var mixerChainIntoPath = () => mixer.CommitPath(state.Layers[0], chain.Layers[0], [[0], [0]]);
            OneLine(mixerChainIntoPath.Should().Throw<ArgumentException>().Which, "commit it with Commit");
            var mixerTreeIntoCommit = () => mixer.Commit(state.Layers[0], tree.Layers[0], [1, 1]);
            OneLine(mixerTreeIntoCommit.Should().Throw<ArgumentException>().Which, "CommitPath");

            model.Commit(state, chain, [1, 1]);
            var stale = () => model.CommitPath(state, tree, [[0], [1]]);
            OneLine(stale.Should().Throw<InvalidOperationException>().Which, "verify again");
        }
    }

    [Fact]
    public void A_tree_taller_than_the_learned_position_table_is_refused()
    {
        using var model = ModelCatalog.Create("learned-layernorm-gelu");   // 48 positions
        using var state = model.CreateState(1);
        model.Prefill(ModelCatalog.Tokens(1, 45), state);
        using var tokens = ModelCatalog.Tokens(1, 4);
        var act = () => model.VerifyTree(tokens, state, [CandidateTree.Chain(4)]);
        OneLine(act.Should().Throw<ArgumentException>().Which, "learned position table");
        // A bushy tree of the same width but height 3 fits.
        var (_, pending) = model.VerifyTree(tokens, state, [new CandidateTree([-1, 0, 0, 1])]);
        pending.Dispose();
    }
}
