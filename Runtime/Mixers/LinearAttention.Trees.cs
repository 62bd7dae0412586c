using LinearDsl.Runtime.Decoding;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

public sealed partial class LinearAttention
{
    /// <inheritdoc />
    private protected override bool NativeTrees => true;

    /// <summary>Each node reads [S || z] plus phi(k) [v || 1] summed over its own root-to-node path (an ancestor mask).</summary>
    private protected override (Tensor Output, NodeTensorsPending Pending) VerifyTreeCore(Tensor q, Tensor k, Tensor v, MixerState mixerState, TreeLayout layout)
    {
        var state = StateOf<LinearAttentionState>(mixerState);
        var fk = feature_map.Keys(k);
        var values = WithOnes(v);
        var pending = new NodeTensorsPending(state, layout, [fk, values], (s, length, path) => new LinearAttentionPending(s, length, path[0], path[1]));
        var fq = GroupQueries(feature_map.Queries(q));
        var own = fq.matmul(fk.unsqueeze(2).transpose(-1, -2)).masked_fill(layout.NotAncestor(q.device), 0).matmul(values.unsqueeze(2));
        var numerator = own.add(MatmulInStateType(fq, state.Kv.unsqueeze(2)));
        return (UngroupQueries(Normalize(numerator)), pending);
    }
}
