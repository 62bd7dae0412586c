using LinearDsl.Runtime.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Augmented linear attention (method.md section 1): with q^ = q / max(||q||, eps) and k^ likewise,
/// o_t = local_t + alpha * global_t + conv_t where local is ReLU^2 attention inside the causal group of t,
/// global is q^_t times the sum of k^ v^T over complete EARLIER groups, and conv is a K-tap causal depthwise
/// convolution over V. Recurrent state per row and KV head: S (d x d), the current group's (k^, v) buffer
/// (G slots) and the last K-1 values; its size does not depend on the context length.
/// </summary>
public sealed class AugmentedLinearAttention : TokenMixer
{
    readonly AugmentedLinearAttentionOptions _options;
    readonly long _group;
    readonly long _taps;

    // Learnable scale of the global term (present when Global is on).
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter? alpha;
    // Causal conv kernel [kv_heads, taps]: conv_weight[h, j] multiplies v_{t-j} (present when Conv is on).
    readonly Parameter? conv_weight;
#pragma warning restore IDE1006

    /// <summary>Creates the mixer; parameters start at <see cref="AugmentedLinearAttentionOptions.AlphaInit"/> and a zero kernel.</summary>
    public AugmentedLinearAttention(MixerGeometry geometry, AugmentedLinearAttentionOptions? options = null, RotaryEmbedding? rotary = null)
        : base(nameof(AugmentedLinearAttention), geometry, rotary)
    {
        _options = options ?? new AugmentedLinearAttentionOptions();
        _options.Validate();
        _group = _options.GroupSize;
        _taps = _options.ConvTaps;
        if (_options.Global) alpha = new Parameter(tensor(_options.AlphaInit, ScalarType.Float32));
        if (_options.Conv) conv_weight = new Parameter(zeros(geometry.KvHeads, _taps, ScalarType.Float32));
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public AugmentedLinearAttentionOptions Options => _options;

    /// <summary>Scale of the global term, or null when Global is off.</summary>
    public Parameter? Alpha => alpha;

    /// <summary>Convolution kernel [kv_heads, taps], or null when Conv is off.</summary>
    public Parameter? ConvWeight => conv_weight;

    /// <summary>A deliberately wrong parallel form, reachable only from tests, to prove that the causality probe works.</summary>
    internal AugmentedLeak Leak { get; set; }

    /// <inheritdoc />
    protected override long PrefillChunk => _group;

    bool NeedsBuffer => _options.Local || _options.Global;

    bool HasConvHistory => _options.Conv && _taps > 1;

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
    {
        long batch = q.shape[0], time = q.shape[2], dim = q.shape[3];
        long kvHeads = Geometry.KvHeads, perKv = Geometry.QueriesPerKv;
        long groups = (time + _group - 1) / _group, padded = groups * _group;

        Tensor? output = null;
        if (NeedsBuffer)
        {
            var qh = PadTime(FeatureMap(q), padded).view(batch, kvHeads, perKv, groups, _group, dim);
            var kh = PadTime(FeatureMap(k), padded).view(batch, kvHeads, 1, groups, _group, dim);
            var vg = PadTime(v, padded).view(batch, kvHeads, 1, groups, _group, dim);
            if (_options.Local)
            {
                var future = ones(_group, _group, ScalarType.Bool, q.device).triu(1);
                var weights = qh.matmul(kh.transpose(-1, -2)).relu().square().masked_fill(future, 0);
                output = weights.matmul(vg);
            }
            if (_options.Global)
            {
                var perGroup = kh.transpose(-1, -2).matmul(vg);                       // [.., groups, d, d]
                var inclusive = perGroup.cumsum(3);
                // Shifted cumsum: group g sees groups 0..g-1 only, without the cancellation of cumsum - kv.
                var prefix = Leak == AugmentedLeak.InclusiveGlobalPrefix
                    ? inclusive
                    : cat(new[] { zeros_like(perGroup.narrow(3, 0, 1)), inclusive.narrow(3, 0, groups - 1) }, 3);
                var global = qh.matmul(prefix).mul(alpha!);
                output = output is null ? global : output.add(global);
            }
            output = output!.view(batch, kvHeads, perKv, padded, dim).narrow(3, 0, time);
        }
        if (_options.Conv)
        {
            var source = Leak == AugmentedLeak.ConvSeesNextToken
                ? cat(new[] { v.narrow(2, 1, time - 1), zeros_like(v.narrow(2, 0, 1)) }, 2)
                : v;
            var conv = CausalDepthwiseConv.Parallel(source, conv_weight!).unsqueeze(2);
            output = output is null ? conv.expand(batch, kvHeads, perKv, time, dim) : output.add(conv);
        }
        return UngroupQueries(output!);
    }

    /// <inheritdoc />
    protected override MixerState CreateStateCore(long batch, ScalarType dtype, Device device)
    {
        var state = new AugmentedLinearState(this, batch, dtype, device);
        var g = Geometry;
        if (_options.Global) state.Kv = zeros(batch, g.KvHeads, g.HeadDim, g.HeadDim, StateDtype(dtype), device);
        if (NeedsBuffer)
        {
            state.Keys = zeros(batch, g.KvHeads, _group, g.HeadDim, dtype, device);
            state.Values = zeros(batch, g.KvHeads, _group, g.HeadDim, dtype, device);
        }
        if (HasConvHistory) state.ConvHistory = zeros(batch, g.KvHeads, _taps - 1, g.HeadDim, dtype, device);
        return state;
    }

    /// <inheritdoc />
    protected override Tensor PrefillFreshCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        var output = ParallelCore(q, k, v);
        long time = q.shape[2], complete = time / _group * _group, tail = time - complete;
        if (NeedsBuffer)
        {
            var kh = FeatureMap(k);
            if (_options.Global && complete > 0)
                state.Kv = kh.narrow(2, 0, complete).transpose(-1, -2).matmul(v.narrow(2, 0, complete)).to_type(state.Kv.dtype);
            if (tail > 0)
            {
                state.Keys.narrow(2, 0, tail).copy_(kh.narrow(2, complete, tail));
                state.Values.narrow(2, 0, tail).copy_(v.narrow(2, complete, tail));
            }
        }
        if (HasConvHistory)
        {
            var rows = cat(new[] { state.ConvHistory, v }, 2);
            state.ConvHistory = rows.narrow(2, rows.shape[2] - (_taps - 1), _taps - 1).contiguous();
        }
        return output;
    }

    /// <inheritdoc />
    protected override Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        long batch = q.shape[0], dim = q.shape[3];
        var g = Geometry;
        Tensor? output = null;
        if (NeedsBuffer)
        {
            var slots = new long[batch];
            var closes = new bool[batch];
            for (int b = 0; b < batch; b++)
            {
                slots[b] = state.Positions[b] % _group;
                closes[b] = slots[b] == _group - 1;
            }
            var qh = FeatureMap(q).view(batch, g.KvHeads, g.QueriesPerKv, 1, dim);
            var slot = tensor(slots, [batch, 1, 1, 1], device: q.device).expand(batch, g.KvHeads, 1, dim);
            state.Keys.scatter_(2, slot, FeatureMap(k));
            state.Values.scatter_(2, slot, v);
            if (_options.Local)
            {
                var later = SlotsAfter(slots, q.device);
                var weights = qh.matmul(state.Keys.unsqueeze(2).transpose(-1, -2)).relu().square().masked_fill(later, 0);
                output = weights.matmul(state.Values.unsqueeze(2));
            }
            if (_options.Global)
            {
                var global = MatmulInStateType(qh, state.Kv.unsqueeze(2)).mul(alpha!);
                output = output is null ? global : output.add(global);
            }
            if (closes.Any(c => c))
            {
                // The group is complete: fold it into S and empty the buffer (empty slots are kept at zero).
                var rows = tensor(closes, [batch, 1, 1, 1], device: q.device);
                if (_options.Global)
                {
                    var groupSum = state.Keys.transpose(-1, -2).matmul(state.Values).to_type(state.Kv.dtype);
                    state.Kv.add_(groupSum.masked_fill(rows.logical_not(), 0));
                }
                state.Keys.masked_fill_(rows, 0);
                state.Values.masked_fill_(rows, 0);
            }
        }
        var (result, convRows) = AddConvAndUngroup(output, v, state);
        if (HasConvHistory) state.ConvHistory = convRows!.narrow(2, 1, _taps - 1).contiguous();
        return result;
    }

    /// <inheritdoc />
    protected override (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        long batch = q.shape[0], m = q.shape[2], dim = q.shape[3];
        var g = Geometry;
        var kh = FeatureMap(k);
        var pending = new AugmentedLinearPending(state, m, kh, v);
        Tensor? output = null;
        if (NeedsBuffer)
        {
            var block = new CandidateBlock(state.Positions, _group, m);
            var qh = FeatureMap(q).view(batch, g.KvHeads, g.QueriesPerKv, m, dim);
            var keys = cat(new[] { state.Keys, kh }, 2).unsqueeze(2);
            var values = cat(new[] { state.Values, v }, 2).unsqueeze(2);
            var scores = qh.matmul(keys.transpose(-1, -2));                                // [b, kv, rep, m, G + m]
            Tensor? weights = null;
            if (_options.Local)
                weights = scores.relu().square().masked_fill(block.LocalExcluded(q.device), 0);
            if (_options.Global && block.CrossesGroup)
            {
                // Tokens of groups that complete inside the block enter the global term with linear weights.
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
        return (AddConvAndUngroup(output, v, state).Output, pending);
    }

    /// <inheritdoc />
    protected override void CommitCore(MixerState mixerState, PendingCommit pendingCommit, ReadOnlySpan<long> accepted)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        var pending = PendingOf<AugmentedLinearPending>(pendingCommit);
        long batch = state.Batch, m = pending.Candidates;
        var device = state.Device;
        if (NeedsBuffer)
        {
            var block = new CandidateBlock(state.Positions, _group, m);
            var keys = cat(new[] { state.Keys, pending.Keys }, 2);
            var values = cat(new[] { state.Values, pending.Values }, 2);
            var (folded, anyFold) = block.FoldedIntoState(accepted, device);
            if (_options.Global && anyFold)
            {
                var sum = keys.masked_fill(folded.logical_not(), 0).transpose(-1, -2).matmul(values);
                state.Kv.add_(sum.to_type(state.Kv.dtype));
            }
            var (sources, empty) = block.NewBufferSources(accepted, device);
            var source = sources.expand(batch, Geometry.KvHeads, _group, Geometry.HeadDim);
            state.Keys = keys.gather(2, source).masked_fill_(empty, 0);
            state.Values = values.gather(2, source).masked_fill_(empty, 0);
        }
        if (HasConvHistory)
        {
            var rows = cat(new[] { state.ConvHistory, pending.Values }, 2);
            var index = new long[batch * (_taps - 1)];
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < _taps - 1; i++) index[b * (_taps - 1) + i] = accepted[b] + i;
            var source = tensor(index, [batch, 1, _taps - 1, 1], device: device).expand(batch, Geometry.KvHeads, _taps - 1, Geometry.HeadDim);
            state.ConvHistory = rows.gather(2, source);
        }
    }

    /// <summary>Adds the conv term over the new rows and restores the head layout; returns the conv's rows too.</summary>
    (Tensor Output, Tensor? ConvRows) AddConvAndUngroup(Tensor? grouped, Tensor v, AugmentedLinearState state)
    {
        long batch = v.shape[0], rowsIn = v.shape[2], dim = v.shape[3];
        var g = Geometry;
        Tensor? rows = null;
        if (_options.Conv)
        {
            var history = HasConvHistory ? state.ConvHistory : v.narrow(2, 0, 0);
            (var conv, rows) = CausalDepthwiseConv.Unfolded(history, v, conv_weight!);
            var expanded = conv.unsqueeze(2);
            grouped = grouped is null ? expanded.expand(batch, g.KvHeads, g.QueriesPerKv, rowsIn, dim) : grouped.add(expanded);
        }
        return (UngroupQueries(grouped!), rows);
    }

    Tensor FeatureMap(Tensor x) => x.div(x.norm(-1, true, 2.0f).clamp_min(_options.FeatureEps));


    /// <summary>[batch, 1, 1, 1, G] true for buffer slots after each row's current slot.</summary>
    Tensor SlotsAfter(long[] slots, Device device)
    {
        var later = new bool[slots.Length * _group];
        for (int b = 0; b < slots.Length; b++)
            for (long i = slots[b] + 1; i < _group; i++) later[b * _group + i] = true;
        return tensor(later, [slots.Length, 1, 1, 1, _group], device: device);
    }


}

/// <summary>Deliberately non-causal variants of the parallel form, for tests of the causality probe only.</summary>
internal enum AugmentedLeak
{
    /// <summary>The correct, causal form.</summary>
    None,

    /// <summary>The global term includes the query's own group (inclusive prefix).</summary>
    InclusiveGlobalPrefix,

    /// <summary>The convolution reads the next token's value.</summary>
    ConvSeesNextToken,
}
