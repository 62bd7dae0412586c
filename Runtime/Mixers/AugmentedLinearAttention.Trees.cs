using LinearDsl.Runtime.Decoding;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

public sealed partial class AugmentedLinearAttention
{
    /// <summary>
    /// The native tree form is written for exactly the options below. Any option added later (a gate on the global
    /// term, say) makes the options differ from this copy, and the mixer then takes the generic exact form (each
    /// root-to-leaf chain through its own Verify) until the native form learns the option: never a silently wrong tree.
    /// </summary>
    private protected override bool NativeTrees => _options == new AugmentedLinearAttentionOptions
    {
        GroupSize = _options.GroupSize,
        Local = _options.Local,
        Global = _options.Global,
        Conv = _options.Conv,
        ConvTaps = _options.ConvTaps,
        AlphaInit = _options.AlphaInit,
        FeatureEps = _options.FeatureEps,
        ConvPadding = _options.ConvPadding,
        CausalLocal = _options.CausalLocal,
        InclusiveGlobalPrefix = _options.InclusiveGlobalPrefix,
    };

    /// <summary>
    /// Tree verification over [group buffer || tree]: local ReLU^2 attention among the buffer and the node's ancestors
    /// in its own group; the global term seeded with S plus, for a node past a group boundary, the completed group's
    /// k^ v^T along its own path only (the buffer and its ancestors in earlier groups, with linear weights); the conv
    /// window from the committed history and the node's own ancestors, by position along its path.
    /// </summary>
    private protected override (Tensor Output, NodeTensorsPending Pending) VerifyTreeCore(Tensor q, Tensor k, Tensor v, MixerState mixerState, TreeLayout layout)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        long batch = q.shape[0], n = q.shape[2], dim = q.shape[3];
        var g = Geometry;
        var kh = FeatureMap(k);
        var pending = TreeRecord(state, layout, kh, v);
        Tensor? output = null;
        if (NeedsBuffer)
        {
            var block = new TreeBlock(state.Positions, _group, layout);
            var qh = FeatureMap(q).view(batch, g.KvHeads, g.QueriesPerKv, n, dim);
            var keys = cat(new[] { state.Keys, kh }, 2).unsqueeze(2);
            var values = cat(new[] { state.Values, v }, 2).unsqueeze(2);
            var scores = qh.matmul(keys.transpose(-1, -2));                                // [b, kv, rep, N, G + N]
            Tensor? weights = null;
            if (_options.Local)
                weights = scores.relu().square().masked_fill(block.LocalExcluded(q.device), 0);
            if (_options.Global && block.CrossesGroup)
            {
                var linear = scores.masked_fill(block.GlobalExcluded(q.device), 0).mul(alpha!);
                weights = weights is null ? linear : weights.add(linear);
            }
            if (weights is not null) output = weights.matmul(values);
            if (_options.Global)
            {
                var global = MatmulInStateType(qh, state.Kv.unsqueeze(2)).mul(alpha!);
                output = output is null ? global : output.add(global);
            }
        }
        if (_options.Conv)
        {
            var rows = HasConvHistory ? cat(new[] { state.ConvHistory, v }, 2) : v;           // history newest first, then nodes
            var sources = TreeBlock.ConvSources(layout, _taps, v.device).expand(batch, g.KvHeads, n * _taps, dim);
            var windows = rows.gather(2, sources).view(batch, g.KvHeads, n, _taps, dim);
            var conv = conv_weight!.view(1, g.KvHeads, 1, 1, _taps).matmul(windows).view(batch, g.KvHeads, 1, n, dim);
            output = output is null ? conv.expand(batch, g.KvHeads, g.QueriesPerKv, n, dim) : output.add(conv);
        }
        return (UngroupQueries(output!), pending);
    }

    /// <summary>The managed chain commit, reading each row's accepted slots along its path (the same writes as committing the path as a chain).</summary>
    private protected override bool TryCommitPathRows(MixerState mixerState, NodeTensorsPending pending, IReadOnlyList<IReadOnlyList<int>> paths, long[] lengths)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        if (!UseFusedStep || !AugmentedDecodeKernel.Applies(this, state)) return false;
        var keys = pending.Nodes[0];
        var values = pending.Nodes[1];
        AugmentedDecodeKernel.Commit(this, state, keys.is_contiguous() ? keys : keys.contiguous(), values.is_contiguous() ? values : values.contiguous(), lengths, paths);
        return true;
    }

    /// <summary>The tree record of both forms (the composed one and the decode program's kernel): each slot's k^ and v [batch, kv_heads, N, d], gathered along the accepted path into a chain record.</summary>
    static NodeTensorsPending TreeRecord(AugmentedLinearState state, TreeLayout layout, Tensor keys, Tensor values)
        => new(state, layout, [keys, values], (s, length, path) => new AugmentedLinearPending(s, length, path[0], path[1]));
}
