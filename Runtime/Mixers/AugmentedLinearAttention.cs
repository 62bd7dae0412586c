using LinearDsl.Runtime.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Augmented linear attention (docs/method.md, "Augmented linear attention"): with q^ = q / max(||q||, eps) and k^ likewise,
/// o_t = local_t + alpha * global_t + conv_t where local is ReLU^2 attention inside the causal group of t,
/// global is q^_t times the sum of k^ v^T over complete EARLIER groups, and conv is a K-tap causal depthwise
/// convolution over V. Recurrent state per row and KV head: S (d x d), the current group's (k^, v) buffer
/// (G slots) and the last K-1 values; its size does not depend on the context length. With
/// <see cref="AugmentedLinearAttentionOptions.Gate"/> = Gla the global state decays by GLA gates computed from the key
/// (<see cref="AugmentedGate"/>), and the buffer also holds the group's log gates.
/// </summary>
public sealed partial class AugmentedLinearAttention : TokenMixer
{
    readonly AugmentedLinearAttentionOptions _options;
    readonly long _group;
    readonly long _taps;
    const long PrefillBlockTokens = 1024;

    // Learnable scale of the global term (present when Global is on).
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter? alpha;
    // Causal conv kernel [kv_heads, taps]: conv_weight[h, j] multiplies v_{t-j} (present when Conv is on).
    readonly Parameter? conv_weight;
    // GLA gate of the global term, logit = k W_g + b_g per KV head: [kv_heads, d, d] and [kv_heads, d] (Gate = Gla).
    readonly Parameter? gate_weight;
    readonly Parameter? gate_bias;
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
        if (Gated)
        {
            gate_weight = AugmentedGate.NewWeight(geometry.KvHeads, geometry.HeadDim);
            gate_bias = AugmentedGate.NewBias(geometry.KvHeads, geometry.HeadDim, _options.GateTemperature);
        }
        NonCausalSettings = _options.NonCausalSettings;
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public AugmentedLinearAttentionOptions Options => _options;

    /// <summary>Scale of the global term, or null when Global is off.</summary>
    public Parameter? Alpha => alpha;

    /// <summary>Convolution kernel [kv_heads, taps], or null when Conv is off.</summary>
    public Parameter? ConvWeight => conv_weight;

    /// <summary>W_g of the GLA gate [kv_heads, d, d], or null without a gate.</summary>
    public Parameter? GateWeight => gate_weight;

    /// <summary>b_g of the GLA gate [kv_heads, d], or null without a gate.</summary>
    public Parameter? GateBias => gate_bias;

    /// <summary>Whether the global term decays by GLA gates (then the fused decode kernels do not apply).</summary>
    internal bool Gated => _options.Gate == GateKind.Gla && _options.Global;

    /// <summary>log a_t [batch, kv_heads, time, d] in the state's dtype, from the keys as the mixer sees them.</summary>
    Tensor LogGates(Tensor k) => AugmentedGate.LogGates(k, gate_weight!, gate_bias!, _options.GateTemperature, StateDtype(k.dtype));

    /// <inheritdoc />
    protected override long PrefillChunk => _group;

    bool NeedsBuffer => _options.Local || _options.Global;

    bool HasConvHistory => _options.Conv && _taps > 1;

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v) => Mix(q, k, v, state: null);

    /// <summary>
    /// The parallel form over a block that starts at a group boundary. With a state (whose group buffer is then
    /// empty) the block continues it: every group also reads S, the conv reads the state's history, and the state
    /// is advanced over the block (S takes the complete groups, the buffer the tail, the history the last values).
    /// </summary>
    Tensor Mix(Tensor q, Tensor k, Tensor v, AugmentedLinearState? state)
    {
        long[] shape = q.shape;
        long batch = shape[0], time = shape[2], dim = shape[3];
        long kvHeads = Geometry.KvHeads, perKv = Geometry.QueriesPerKv;
        long groups = (time + _group - 1) / _group, padded = groups * _group;

        Tensor? output = null;
        if (NeedsBuffer)
        {
            var kFeatures = FeatureMap(k);
            var qh = PadTime(FeatureMap(q), padded).view(batch, kvHeads, perKv, groups, _group, dim);
            var kh = PadTime(kFeatures, padded).view(batch, kvHeads, 1, groups, _group, dim);
            var vg = PadTime(v, padded).view(batch, kvHeads, 1, groups, _group, dim);
            if (_options.Local)
            {
                var weights = qh.matmul(kh.transpose(-1, -2)).relu().square();
                // masked_fill_ in place is autograd-safe: square's backward reads its input, not its output.
                // Without the mask (CausalLocal = false) a token sees its group's later tokens: a deliberate leak.
                if (_options.CausalLocal) weights = weights.masked_fill_(ones(_group, _group, ScalarType.Bool, q.device).triu(1), 0);
                output = weights.matmul(vg);
            }
            bool inclusive = _options.InclusiveGlobalPrefix;
            Tensor? logs = Gated ? LogGates(k) : null;
            if (Gated && (groups > 1 || state is not null || inclusive))
            {
                // Groups are the chunks: quadratic inside a group, one state update per group (AugmentedGate.Parallel).
                var groupLogs = PadTime(logs!, padded).view(batch, kvHeads, groups, _group, dim);
                var (global, end) = AugmentedGate.Parallel(qh, kh, vg, groupLogs, state?.Kv, time / _group, inclusive);
                output = output is null ? global.mul_(alpha!) : output.add_(global.mul_(alpha!));
                if (state is not null && end is not null) state.Kv = end;
            }
            else if (_options.Global && !Gated && (groups > 1 || state is not null || inclusive))
            {
                output ??= zeros_like(qh);
                if (groups > 1 || inclusive)
                {
                    // Group g reads the inclusive prefix up to group g - 1: the shifted cumsum, without the
                    // cancellation of cumsum - kv and without copying the prefix into a shifted tensor. The unshifted
                    // prefix (InclusiveGlobalPrefix) gives group g its own group too: a deliberate leak.
                    var prefix = kh.transpose(-1, -2).matmul(vg).cumsum(3);               // [.., groups, d, d]
                    long shift = inclusive ? 0 : 1;
                    var global = qh.narrow(3, shift, groups - shift).matmul(prefix.narrow(3, 0, groups - shift)).mul_(alpha!);
                    output.narrow(3, shift, groups - shift).add_(global);
                }
                if (state is not null)
                    output.add_(MatmulInStateType(qh, state.Kv.view(batch, kvHeads, 1, 1, dim, dim)).mul_(alpha!));
            }
            output ??= zeros_like(qh);
            output = output.view(batch, kvHeads, perKv, padded, dim).narrow(3, 0, time);
            if (state is not null) AbsorbIntoState(state, kFeatures, v, logs);
        }
        if (_options.Conv)
        {
            // A non-causal ConvPadding shifts the window s tokens into the future: the conv reads v[t + s - j].
            long ahead = _options.ConvShift;
            var source = ahead == 0 ? v
                : ahead >= time ? zeros_like(v)
                : cat(new[] { v.narrow(2, ahead, time - ahead), zeros_like(v.narrow(2, 0, ahead)) }, 2);
            Tensor conv;
            if (state is not null && HasConvHistory)
            {
                var rows = cat(new[] { state.ConvHistory.flip(2), source }, 2);         // oldest first
                conv = CausalDepthwiseConv.Parallel(rows, conv_weight!).narrow(2, _taps - 1, time);
                state.ConvHistory = rows.narrow(2, rows.shape[2] - (_taps - 1), _taps - 1).flip(2);
            }
            else
            {
                conv = CausalDepthwiseConv.Parallel(source, conv_weight!);
            }
            output = output is null ? conv.unsqueeze(2).expand(batch, kvHeads, perKv, time, dim) : output.add(conv.unsqueeze(2));
        }
        return UngroupQueries(output!);
    }

    /// <summary>
    /// Folds a group-aligned block's complete groups into S and puts its tail into the (empty) buffer. A gated S was
    /// already advanced by <see cref="AugmentedGate.Parallel"/>; its tail's log gates go into the buffer too.
    /// </summary>
    void AbsorbIntoState(AugmentedLinearState state, Tensor kh, Tensor v, Tensor? logs)
    {
        long time = kh.shape[2], complete = time / _group * _group, tail = time - complete;
        if (logs is not null && tail > 0) state.GateLogs.narrow(2, 0, tail).copy_(logs.narrow(2, complete, tail));
        if (_options.Global && !Gated && complete > 0)
            state.Kv.add_(OuterSumInStateType(kh.narrow(2, 0, complete), v.narrow(2, 0, complete), state.Kv.dtype));
        if (tail > 0)
        {
            state.Keys.narrow(2, 0, tail).copy_(kh.narrow(2, complete, tail));
            state.Values.narrow(2, 0, tail).copy_(v.narrow(2, complete, tail));
        }
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
        if (Gated) state.GateLogs = zeros(batch, g.KvHeads, _group, g.HeadDim, StateDtype(dtype), device);
        return state;
    }

    /// <inheritdoc />
    /// <remarks>The fast path starts at a group boundary, where the group buffer is empty.</remarks>
    protected override long FastPrefillLead(MixerState state) => NeedsBuffer ? (_group - state.Positions[0] % _group) % _group : 0;

    /// <inheritdoc />
    /// <remarks>
    /// Runs <see cref="Mix"/> over blocks of about 1024 tokens (whole groups), carrying the state from block to
    /// block: the temporaries stay small enough for the caches and the allocator, whatever the prompt length.
    /// </remarks>
    protected override Tensor FastPrefillCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        return InBlocks(q, k, v, Math.Max(_group, PrefillBlockTokens / _group * _group), (qb, kb, vb) => Mix(qb, kb, vb, state));
    }

    /// <inheritdoc />
    /// <remarks>
    /// The hot path of decoding, written for few native calls: no masks (empty buffer slots hold zeros, whose
    /// weight relu(0)^2 is 0), in-place accumulation, and the conv window taken as [history || v] directly.
    /// </remarks>
    protected override Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        var g = Geometry;
        long batch = state.Batch, dim = g.HeadDim;
        Tensor? output = null;                                                      // [batch, kv_heads, per_kv, d]
        if (NeedsBuffer)
        {
            var qh = FeatureMap(q).view(batch, g.KvHeads, g.QueriesPerKv, dim);
            var slots = WriteIntoBuffer(state, FeatureMap(k), v, Gated ? LogGates(k) : null);
            if (_options.Local)
                output = qh.matmul(state.Keys.transpose(-1, -2)).relu_().square().matmul(state.Values);
            if (_options.Global)
            {
                // Gated: S at the group start, decayed by this group's gates so far (empty slots hold log 1 = 0).
                var global = Gated
                    ? qh.to_type(state.Kv.dtype).mul(state.GateLogs.sum(2, keepdim: true).exp()).matmul(state.Kv).to_type(qh.dtype).mul_(alpha!)
                    : MatmulInStateType(qh, state.Kv).mul_(alpha!);
                output = output is null ? global : output.add_(global);
            }
            FoldCompleteGroups(state, slots);
        }
        if (_options.Conv)
        {
            // Newest first, so row j meets w[j] (the tap on v_{t-j}) and the kernel needs no flip.
            var rows = HasConvHistory ? cat(new[] { v, state.ConvHistory }, 2) : v;   // [batch, kv_heads, K, d]
            var conv = conv_weight!.unsqueeze(1).matmul(rows);
            output = output is null ? conv.expand(batch, g.KvHeads, g.QueriesPerKv, dim) : output.add_(conv);
            if (HasConvHistory) state.ConvHistory = rows.narrow(2, 0, _taps - 1).contiguous();
        }
        return output!.reshape(batch, g.Heads, 1, dim);
    }

    /// <inheritdoc />
    /// <remarks>On the CPU under inference, the whole step runs as one managed SIMD pass (<see cref="AugmentedDecodeKernel"/>).</remarks>
    protected override Tensor? FusedStep(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        return UseFusedStep && AugmentedDecodeKernel.Applies(this, q, k, v, state) ? AugmentedDecodeKernel.Step(this, q, k, v, state) : null;
    }

    /// <inheritdoc />
    /// <remarks>On the CPU under inference, verification runs as one managed SIMD pass too (<see cref="AugmentedDecodeKernel"/>).</remarks>
    protected override (Tensor Output, PendingCommit Pending)? FusedVerify(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        if (!UseFusedStep || !AugmentedDecodeKernel.Applies(this, q, k, v, state)) return null;
        var (output, keys, values) = AugmentedDecodeKernel.Verify(this, q, k, v, state);
        return (output, new AugmentedLinearPending(state, q.shape[2], keys, values));
    }

    /// <summary>Whether inference steps may use the fused CPU kernel (tests and benchmarks switch it off to compare).</summary>
    internal bool UseFusedStep { get; set; } = true;

    /// <summary>
    /// One step from the rows of a fused q/k/v projection ([batch, q + 2 kv], row after row, not yet rotated)
    /// straight into <paramref name="output"/> ([batch, heads * d]); advances the positions. False, with nothing
    /// written, when the managed kernel does not apply to this state (then the caller takes the tensor path).
    /// </summary>
    internal bool TryStepRows<T>(MixerState mixerState, ReadOnlySpan<T> qkv, Span<T> output) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        CheckState(mixerState);
        var state = StateOf<AugmentedLinearState>(mixerState);
        if (!UseFusedStep || !AugmentedDecodeKernel.Applies(this, state)) return false;
        var g = Geometry;
        int queries = g.Heads * g.HeadDim, kv = g.KvHeads * g.HeadDim, stride = queries + 2 * kv;
        AugmentedDecodeKernel.StepRows(this, state, qkv, stride, qkv.Slice(queries), stride, qkv.Slice(queries + kv), stride, output);
        foreach (ref long p in state.MutablePositions) p += 1;
        state.Touch();
        return true;
    }

    /// <summary>
    /// Verification of m candidates per row from the rows of a fused q/k/v projection ([batch, m, q + 2 kv], not
    /// yet rotated) straight into <paramref name="output"/> ([batch, m, heads * d]); the state is read, never
    /// written. Returns the record for Commit, or null, with nothing written, when the managed kernel does not apply.
    /// With <paramref name="tree"/> the m rows are each row's candidate tree and the record is the one CommitPath takes.
    /// </summary>
    internal PendingCommit? TryVerifyRows<T>(MixerState mixerState, int m, ReadOnlySpan<T> qkv, Span<T> output, Decoding.TreeLayout? tree = null) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        CheckState(mixerState);
        var state = StateOf<AugmentedLinearState>(mixerState);
        if (!UseFusedStep || !AugmentedDecodeKernel.Applies(this, state) || (tree is not null && !NativeTrees)) return null;
        var g = Geometry;
        int d = g.HeadDim, queries = g.Heads * d, kv = g.KvHeads * d, stride = queries + 2 * kv;
        long batch = state.Batch;
        var keys = empty([batch, g.KvHeads, m, d], state.Dtype, state.Device);
        var values = empty([batch, g.KvHeads, m, d], state.Dtype, state.Device);
        try
        {
            var valueData = TensorMemory.Span<T>(values);
            for (int b = 0; b < batch; b++)
                for (int h = 0; h < g.KvHeads; h++)
                    for (int j = 0; j < m; j++)
                        qkv.Slice((b * m + j) * stride + queries + kv + h * d, d).CopyTo(valueData.Slice(((b * g.KvHeads + h) * m + j) * d, d));
            var inputs = new AugmentedDecodeKernel.RowLayout(m * stride, d, stride);
            AugmentedDecodeKernel.VerifyRows(this, state, m, qkv, inputs, qkv.Slice(queries), inputs, valueData,
                output, new AugmentedDecodeKernel.RowLayout(m * queries, d, queries), TensorMemory.Span<T>(keys), tree);
            return tree is null ? new AugmentedLinearPending(state, m, keys, values) : TreeRecord(state, tree, keys, values);
        }
        finally
        {
            // The pending record keeps its own references.
            keys.Dispose();
            values.Dispose();
        }
    }

    /// <summary>Writes (k^, v) and, gated, the log gates into each row's slot (position mod G); returns the slots.</summary>
    long[] WriteIntoBuffer(AugmentedLinearState state, Tensor kh, Tensor v, Tensor? logs)
    {
        long batch = state.Batch;
        var slots = new long[batch];
        bool uniform = true;
        for (int b = 0; b < batch; b++)
        {
            slots[b] = state.Positions[b] % _group;
            uniform &= slots[b] == slots[0];
        }
        if (uniform)
        {
            state.Keys.narrow(2, slots[0], 1).copy_(kh);
            state.Values.narrow(2, slots[0], 1).copy_(v);
            if (logs is not null) state.GateLogs.narrow(2, slots[0], 1).copy_(logs);
        }
        else
        {
            var slot = tensor(slots, [batch, 1, 1, 1], device: state.Device).expand(batch, Geometry.KvHeads, 1, Geometry.HeadDim);
            state.Keys.scatter_(2, slot, kh);
            state.Values.scatter_(2, slot, v);
            if (logs is not null) state.GateLogs.scatter_(2, slot, logs);
        }
        return slots;
    }

    /// <summary>Rows whose slot was the group's last fold the buffer into S and empty it (empty slots stay zero).</summary>
    void FoldCompleteGroups(AugmentedLinearState state, long[] slots)
    {
        int closing = slots.Count(s => s == _group - 1);
        if (closing == 0) return;
        if (closing == slots.Length)
        {
            if (Gated) state.Kv = AugmentedGate.Fold(state.Kv, state.Keys, state.Values, state.GateLogs);
            else if (_options.Global) state.Kv.add_(OuterSumInStateType(state.Keys, state.Values, state.Kv.dtype));
            state.Keys.zero_();
            state.Values.zero_();
            if (Gated) state.GateLogs.zero_();
            return;
        }
        var rows = tensor(slots.Select(s => s == _group - 1).ToArray(), [slots.Length, 1, 1, 1], device: state.Device);
        if (Gated)
        {
            state.Kv = where(rows, AugmentedGate.Fold(state.Kv, state.Keys, state.Values, state.GateLogs), state.Kv);
            state.GateLogs.masked_fill_(rows, 0);
        }
        else if (_options.Global)
        {
            var groupSum = OuterSumInStateType(state.Keys, state.Values, state.Kv.dtype);
            state.Kv.add_(groupSum.masked_fill(rows.logical_not(), 0));
        }
        state.Keys.masked_fill_(rows, 0);
        state.Values.masked_fill_(rows, 0);
    }

    /// <inheritdoc />
    protected override (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<AugmentedLinearState>(mixerState);
        long batch = q.shape[0], m = q.shape[2], dim = q.shape[3];
        var g = Geometry;
        var kh = FeatureMap(k);
        var logs = Gated ? LogGates(k) : null;
        var pending = new AugmentedLinearPending(state, m, kh, v, logs);
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
            Tensor? fromState = null;
            if (Gated)
            {
                // The state at each candidate's group start, unrolled over the block (AugmentedGate.Verify).
                var (linear, global) = AugmentedGate.Verify(qh, keys.squeeze(2), cat(new[] { state.GateLogs, logs! }, 2), state.Kv, block.GlobalExcluded(q.device));
                if (block.CrossesGroup) weights = weights is null ? linear.mul(alpha!) : weights.add(linear.mul(alpha!));
                fromState = global.mul(alpha!);
            }
            else if (_options.Global && block.CrossesGroup)
            {
                // Tokens of groups that complete inside the block enter the global term with linear weights.
                var linear = scores.masked_fill(block.GlobalExcluded(q.device), 0).mul(alpha!);
                weights = weights is null ? linear : weights.add(linear);
            }
            if (weights is not null) output = weights.matmul(values);
            if (_options.Global)
            {
                var global = fromState ?? MatmulInStateType(qh, state.Kv.unsqueeze(2)).mul(alpha!);
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
        if (UseFusedStep && AugmentedDecodeKernel.Applies(this, state))
        {
            // Under inference on the CPU: the same writes as that many steps, in one managed pass.
            AugmentedDecodeKernel.Commit(this, state, pending.Keys.is_contiguous() ? pending.Keys : pending.Keys.contiguous(),
                pending.Values.is_contiguous() ? pending.Values : pending.Values.contiguous(), accepted);
            return;
        }
        long batch = state.Batch, m = pending.Candidates;
        var device = state.Device;
        if (NeedsBuffer)
        {
            var block = new CandidateBlock(state.Positions, _group, m);
            var keys = cat(new[] { state.Keys, pending.Keys }, 2);
            var values = cat(new[] { state.Values, pending.Values }, 2);
            var (folded, anyFold) = block.FoldedIntoState(accepted, device);
            var logs = Gated ? cat(new[] { state.GateLogs, pending.Logs! }, 2) : null;
            if (Gated && anyFold)
            {
                state.Kv = AugmentedGate.Commit(state.Kv, keys, values, logs!, folded);
            }
            else if (_options.Global && !Gated && anyFold)
            {
                var sum = keys.masked_fill(folded.logical_not(), 0).transpose(-1, -2).matmul(values);
                state.Kv.add_(sum.to_type(state.Kv.dtype));
            }
            var (sources, empty) = block.NewBufferSources(accepted, device);
            var source = sources.expand(batch, Geometry.KvHeads, _group, Geometry.HeadDim);
            state.Keys = keys.gather(2, source).masked_fill_(empty, 0);
            state.Values = values.gather(2, source).masked_fill_(empty, 0);
            if (logs is not null) state.GateLogs = logs.gather(2, source).masked_fill_(empty, 0);
        }
        if (HasConvHistory)
        {
            var rows = cat(new[] { state.ConvHistory.flip(2), pending.Values }, 2);    // oldest first
            // Row b keeps the K-1 values ending at its last accepted candidate, newest first.
            var index = new long[batch * (_taps - 1)];
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < _taps - 1; i++) index[b * (_taps - 1) + i] = accepted[b] + _taps - 2 - i;
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
            var history = HasConvHistory ? state.ConvHistory.flip(2) : v.narrow(2, 0, 0);
            (var conv, rows) = CausalDepthwiseConv.Unfolded(history, v, conv_weight!);
            var expanded = conv.unsqueeze(2);
            grouped = grouped is null ? expanded.expand(batch, g.KvHeads, g.QueriesPerKv, rowsIn, dim) : grouped.add(expanded);
        }
        return (UngroupQueries(grouped!), rows);
    }

    /// <summary>L2 feature map: x / max(||x||, eps) per head vector.</summary>
    Tensor FeatureMap(Tensor x) => nn.functional.normalize(x, 2, -1, _options.FeatureEps);
}
