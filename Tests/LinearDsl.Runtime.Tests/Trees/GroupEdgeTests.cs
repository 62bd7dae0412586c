using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Trees;

/// <summary>
/// The paper's tree verification is wrong at group edges: its global term is q^ S alone, so a node whose path crosses
/// a group boundary misses the group that completes inside the tree, and its conv window follows node indices, not
/// the node's own path. A loop-by-loop reference of both variants shows that the paper's disagrees with chain
/// verification on a boundary-crossing tree while the path-following one (and VerifyTree) agrees.
/// </summary>
public sealed class GroupEdgeTests
{
    // Groups of 4; the row sits at position 6 (offset 2), so depth 2 (position 8) opens the next group.
    // Paths 0-1-2-3 and 0-4-5 cross the boundary; node 6 (a second root's child) does too; node 4 sits beside node 1.
    static readonly CandidateTree Tree = new([-1, 0, 1, 2, 0, 4, -1, 6]);

    [Fact]
    public void The_papers_variant_disagrees_with_chain_verification_where_ours_agrees()
    {
        using var mixer = (AugmentedLinearAttention)MixerCatalog.Create("aug");
        using var state = mixer.CreateState(1, ScalarType.Float64);
        using var scope = NewDisposeScope();
        var (pq, pk, pv) = TreeMixers.Inputs(mixer, 1, 6, seed: 1);
        mixer.Prefill(pq, pk, pv, state);
        var (q, k, v) = TreeMixers.Inputs(mixer, 1, Tree.Count, seed: 2);

        var chain = ChainOutputs(mixer, state, q, k, v);
        var result = mixer.VerifyTree(q, k, v, state, [Tree]);
        using (result.Pending) Forms.MaxAbsDiff(result.Output, chain).Should().BeLessThan(1e-10);

        Forms.MaxAbsDiff(Reference(mixer, state, q, k, v, paperGlobal: false, paperConv: false), chain).Should().BeLessThan(1e-10, "the path-following reference is the chain's function");
        var paper = Reference(mixer, state, q, k, v, paperGlobal: true, paperConv: true);
        Forms.MaxAbsDiff(paper, chain).Should().BeGreaterThan(1e-3, "the paper's variant misses the completed group and reads the wrong conv window");

        // Each mistake alone: the global term is wrong exactly at the nodes past the boundary (positions 8, 9),
        var globalOnly = Reference(mixer, state, q, k, v, paperGlobal: true, paperConv: false);
        foreach (int node in Enumerable.Range(0, Tree.Count))
        {
            double diff = Forms.MaxAbsDiff(globalOnly.narrow(2, node, 1), chain.narrow(2, node, 1));
            if (Tree.Depth(node) >= 2) diff.Should().BeGreaterThan(1e-3, $"node {node} is past the group boundary");
            else diff.Should().BeLessThan(1e-10, $"node {node} is in the committed group");
        }
        // and the index-ordered conv window is wrong for every node whose index differs from its path (4, 5, 6, 7).
        var convOnly = Reference(mixer, state, q, k, v, paperGlobal: false, paperConv: true);
        foreach (int node in new[] { 4, 5, 6, 7 }) Forms.MaxAbsDiff(convOnly.narrow(2, node, 1), chain.narrow(2, node, 1)).Should().BeGreaterThan(1e-3, $"node {node}");
        foreach (int node in new[] { 0, 1, 2, 3 }) Forms.MaxAbsDiff(convOnly.narrow(2, node, 1), chain.narrow(2, node, 1)).Should().BeLessThan(1e-10, $"node {node}");
    }

    /// <summary>Chain Verify of each node's root-to-node path, the node's output taken from its last position.</summary>
    static Tensor ChainOutputs(TokenMixer mixer, MixerState state, Tensor q, Tensor k, Tensor v)
    {
        var outputs = new List<Tensor>();
        for (int node = 0; node < Tree.Count; node++)
        {
            var path = Tree.PathTo(node);
            var result = mixer.Verify(TreeChecks.Along(q, 0, path), TreeChecks.Along(k, 0, path), TreeChecks.Along(v, 0, path), state);
            using (result.Pending) outputs.Add(result.Output.narrow(2, path.Count - 1, 1));
        }
        return cat(outputs, 2);
    }

    /// <summary>
    /// o = local + alpha global + conv for each node, written out in loops over one head at a time. The paper's global
    /// term is q^ S only; its conv window reads node i - j (by index) where the path-following one reads the node's
    /// ancestor at depth - j.
    /// </summary>
    static Tensor Reference(AugmentedLinearAttention mixer, MixerState state, Tensor q, Tensor k, Tensor v, bool paperGlobal, bool paperConv)
    {
        const int group = MixerCatalog.GroupSize;
        long p = state.Positions[0], r = p % group, taps = mixer.Options.ConvTaps;
        var qh = nn.functional.normalize(q, 2, -1, mixer.Options.FeatureEps);
        var kh = nn.functional.normalize(k, 2, -1, mixer.Options.FeatureEps);
        var s = state.Tensors["kv"];
        var bufferKeys = state.Tensors["keys"];
        var bufferValues = state.Tensors["values"];
        var history = state.Tensors["conv_history"];               // newest first
        double alpha = mixer.Alpha!.item<double>();
        var heads = new List<Tensor>();
        for (int h = 0; h < mixer.Geometry.Heads; h++)
        {
            var nodes = new List<Tensor>();
            for (int i = 0; i < Tree.Count; i++)
            {
                var qi = qh[0, h, i];
                long position = p + Tree.Depth(i), nodeGroup = position / group;
                var local = zeros_like(qi);
                var global = qi.matmul(s[0, h]);
                for (int e = 0; e < r; e++)
                {
                    double score = qi.dot(bufferKeys[0, h, e]).item<double>();
                    if ((p - r + e) / group == nodeGroup) local = local.add(bufferValues[0, h, e].mul(Math.Pow(Math.Max(score, 0), 2)));
                    else if (!paperGlobal) global = global.add(bufferValues[0, h, e].mul(score));
                }
                foreach (int a in Tree.PathTo(i))
                {
                    double score = qi.dot(kh[0, h, a]).item<double>();
                    if ((p + Tree.Depth(a)) / group == nodeGroup) local = local.add(v[0, h, a].mul(Math.Pow(Math.Max(score, 0), 2)));
                    else if (!paperGlobal) global = global.add(v[0, h, a].mul(score));
                }
                var conv = zeros_like(qi);
                var path = Tree.PathTo(i);
                for (int j = 0; j < taps; j++)
                {
                    // The value j positions back: along the path (ours) or j nodes back in index order (the paper's).
                    int back = paperConv ? i - j : path.Count - 1 - j;
                    var value = back >= 0 ? v[0, h, paperConv ? back : path[back]] : history[0, h, -back - 1];
                    conv = conv.add(value.mul(mixer.ConvWeight![h, j]));
                }
                nodes.Add(local.add(global.mul(alpha)).add(conv));
            }
            heads.Add(stack(nodes));
        }
        return stack(heads).unsqueeze(0);
    }
}
