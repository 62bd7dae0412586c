using LinearDsl.Runtime.Decoding;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

public sealed partial class SoftmaxAttention
{
    /// <inheritdoc />
    private protected override bool NativeTrees => true;

    /// <summary>Each node attends to the row's cache and to its own root-to-node path (an ancestor mask in place of the causal one), in one softmax.</summary>
    private protected override (Tensor Output, NodeTensorsPending Pending) VerifyTreeCore(Tensor q, Tensor k, Tensor v, MixerState mixerState, TreeLayout layout)
    {
        var state = StateOf<KvCacheState>(mixerState);
        var pending = TreeRecord(state, layout, k, v);
        var qg = GroupQueries(q);
        var own = qg.matmul(k.unsqueeze(2).transpose(-1, -2)).mul(_scale).masked_fill(layout.NotAncestor(q.device), double.NegativeInfinity);
        long cached = state.Positions.Max();
        if (cached == 0) return (UngroupQueries(own.softmax(-1).matmul(v.unsqueeze(2))), pending);
        var past = qg.matmul(state.Keys.narrow(2, 0, cached).unsqueeze(2).transpose(-1, -2)).mul(_scale)
            .masked_fill(CacheExcluded(state, cached, inclusive: false, q.device), double.NegativeInfinity);
        long n = q.shape[2];
        var weights = cat(new[] { past, own }, -1).softmax(-1);
        var output = weights.narrow(-1, 0, cached).matmul(state.Values.narrow(2, 0, cached).unsqueeze(2))
            .add(weights.narrow(-1, cached, n).matmul(v.unsqueeze(2)));
        return (UngroupQueries(output), pending);
    }

    /// <summary>The tree record of both forms (the composed one and the decode program's kernel): each slot's rotated key and value [batch, kv_heads, N, d], gathered along the accepted path into a chain record.</summary>
    static NodeTensorsPending TreeRecord(KvCacheState state, TreeLayout layout, Tensor keys, Tensor values)
        => new(state, layout, [keys, values], (s, length, path) => new KvCachePending(s, length, path[0], path[1]));
}
