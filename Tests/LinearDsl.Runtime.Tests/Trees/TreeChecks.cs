using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Trees;

/// <summary>Random candidate trees and the chain references that tree verification must match.</summary>
public static class TreeChecks
{
    /// <summary>
    /// A random tree of height exactly <paramref name="depth"/> (one chain reaches it) where every node has 0..<paramref name="branching"/>
    /// children (roots too), at most <paramref name="maxNodes"/> nodes, in breadth-first (topological) order.
    /// </summary>
    public static CandidateTree Random(Random random, int depth, int branching, int maxNodes = 24)
    {
        // A spine of `depth` nodes first (so the height is exact), then random siblings and subtrees, up to the budget.
        var parents = Enumerable.Range(-1, depth).ToList();
        var depths = Enumerable.Range(0, depth).ToList();
        var children = new int[maxNodes + depth];
        for (int i = 1; i < depth; i++) children[i - 1] = 1;
        int extraRoots = random.Next(0, branching);
        for (int r = 0; r < extraRoots && parents.Count < maxNodes; r++) { parents.Add(-1); depths.Add(0); }
        for (int i = 0; i < parents.Count && parents.Count < maxNodes; i++)
        {
            if (depths[i] + 1 >= depth) continue;
            int more = random.Next(0, branching + 1 - children[i]);
            for (int c = 0; c < more && parents.Count < maxNodes; c++) { parents.Add(i); depths.Add(depths[i] + 1); children[i]++; }
        }
        return new CandidateTree(parents);
    }

    /// <summary>Rows [batch, heads, n, d] of <paramref name="x"/> at the given slots of one row, as a chain [1, heads, len, d].</summary>
    public static Tensor Along(Tensor x, int row, IReadOnlyList<int> slots)
        => x.narrow(0, row, 1).index_select(2, tensor(slots.Select(s => (long)s).ToArray()));

    /// <summary>Leaves of a tree (nodes without children).</summary>
    public static IEnumerable<int> Leaves(CandidateTree tree)
        => Enumerable.Range(0, tree.Count).Where(i => !tree.Parents.Contains(i));

    /// <summary>
    /// Asserts that every node's tree output equals chain Verify of its root-to-node path over a copy of its row's state;
    /// returns the largest difference seen.
    /// </summary>
    public static double CheckAgainstChains(TokenMixer mixer, MixerState state, Tensor q, Tensor k, Tensor v, IReadOnlyList<CandidateTree> trees, Tensor treeOutput, double tolerance)
    {
        double worst = 0;
        for (int b = 0; b < trees.Count; b++)
        {
            foreach (int leaf in Leaves(trees[b]))
            {
                using var scope = NewDisposeScope();
                var path = trees[b].PathTo(leaf);
                using var copy = state.CopyRows([b]);
                var chain = mixer.Verify(Along(q, b, path), Along(k, b, path), Along(v, b, path), copy);
                using (chain.Pending)
                {
                    double diff = Forms.MaxAbsDiff(Along(treeOutput, b, path), chain.Output);
                    diff.Should().BeLessThan(tolerance, $"row {b}, path [{string.Join(", ", path)}] at position {state.Positions[b]}");
                    worst = Math.Max(worst, diff);
                }
            }
        }
        return worst;
    }

    /// <summary>Largest difference between two states' tensors (same names and shapes) after checking equal positions.</summary>
    public static double StateDifference(MixerState a, MixerState b)
    {
        a.Positions.Should().Equal(b.Positions);
        double worst = 0;
        foreach (var (name, tensor) in a.Tensors)
        {
            var other = b.Tensors[name];
            // A KV cache may have grown differently; the slots past the longest row are zeros in both.
            long common = Math.Min(tensor.shape.Length > 2 ? tensor.shape[2] : 1, other.shape.Length > 2 ? other.shape[2] : 1);
            var x = tensor.shape.Length > 2 ? tensor.narrow(2, 0, common) : tensor;
            var y = other.shape.Length > 2 ? other.narrow(2, 0, common) : other;
            worst = Math.Max(worst, Forms.MaxAbsDiff(x, y));
        }
        return worst;
    }
}
