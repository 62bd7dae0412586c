using LinearDsl.Runtime.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// DeltaNet's delta rule: keys and queries L2-normalised per head, beta_t = sigmoid(k_t . w_b + b_b) from the raw key
/// of the same kv head (the mixer sees q, k and v, not the token, so the rate is a per-head projection of the key),
/// S_t = S_{t-1} + beta_t k_t (v_t - S_{t-1}^T k_t)^T and o_t = q_t^T S_t. No denominator. The state is S
/// [batch, kv_heads, d, d]. The parallel form is chunked (<see cref="DeltaNetChunks"/>, which documents the
/// numerical care); Step is the recurrence itself; Verify runs the chunked form from the state without writing it and
/// keeps each candidate's key and update, so Commit(j) adds the first j_b of them per row.
/// </summary>
public sealed class DeltaNet : TokenMixer
{
    readonly DeltaNetOptions _options;
    readonly long _chunk;
    const long PrefillBlockTokens = 1024;
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter beta_weight;
    readonly Parameter beta_bias;
#pragma warning restore IDE1006

    /// <summary>Creates the mixer; beta starts at sigmoid(0) = 1/2 for every token (w_b = 0, b_b = 0), deterministically.</summary>
    public DeltaNet(MixerGeometry geometry, DeltaNetOptions? options = null, RotaryEmbedding? rotary = null)
        : base(nameof(DeltaNet), geometry, rotary)
    {
        _options = options ?? new DeltaNetOptions();
        _options.Validate();
        _chunk = _options.ChunkSize;
        beta_weight = new Parameter(zeros(geometry.KvHeads, geometry.HeadDim, ScalarType.Float32));
        beta_bias = new Parameter(zeros(geometry.KvHeads, ScalarType.Float32));
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public DeltaNetOptions Options => _options;

    /// <summary>w_b of beta_t = sigmoid(k_t . w_b + b_b), [kv_heads, head_dim].</summary>
    public Parameter BetaWeight => beta_weight;

    /// <summary>b_b of beta_t = sigmoid(k_t . w_b + b_b), [kv_heads].</summary>
    public Parameter BetaBias => beta_bias;

    /// <inheritdoc />
    protected override long PrefillChunk => _chunk;

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
    {
        var dtype = StateDtype(q.dtype);
        var (nq, nk, vv, beta) = Prepare(q, k, v, dtype);
        var start = zeros(q.shape[0], Geometry.KvHeads, Geometry.HeadDim, Geometry.HeadDim, dtype, q.device);
        var result = DeltaNetChunks.Run(nq, nk, vv, beta, start, _chunk);
        return UngroupQueries(result.Output).to_type(q.dtype);
    }

    /// <inheritdoc />
    protected override MixerState CreateStateCore(long batch, ScalarType dtype, Device device)
    {
        var state = new DeltaNetState(this, batch, dtype, device);
        state.S = zeros(batch, Geometry.KvHeads, Geometry.HeadDim, Geometry.HeadDim, StateDtype(dtype), device);
        return state;
    }

    /// <inheritdoc />
    protected override long FastPrefillLead(MixerState state) => 0;

    /// <inheritdoc />
    /// <remarks>Blocks of about 1024 tokens through the chunked form, each continuing S.</remarks>
    protected override Tensor FastPrefillCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<DeltaNetState>(mixerState);
        return InBlocks(q, k, v, Math.Max(_chunk, PrefillBlockTokens / _chunk * _chunk), (qb, kb, vb) =>
        {
            var (nq, nk, vv, beta) = Prepare(qb, kb, vb, state.S.dtype);
            var result = DeltaNetChunks.Run(nq, nk, vv, beta, state.S, _chunk);
            state.S.copy_(result.State);
            return UngroupQueries(result.Output).to_type(qb.dtype);
        });
    }

    /// <inheritdoc />
    /// <remarks>The recurrence itself: u = beta (v - S^T k), S += k u^T, o = q^T S.</remarks>
    protected override Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<DeltaNetState>(mixerState);
        var (nq, nk, vv, beta) = Prepare(q, k, v, state.S.dtype);
        var update = vv.sub(nk.matmul(state.S)).mul(beta.unsqueeze(-1));
        state.S.add_(nk.transpose(-1, -2).matmul(update));
        return UngroupQueries(nq.matmul(state.S.unsqueeze(2))).to_type(q.dtype);
    }

    /// <inheritdoc />
    protected override (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<DeltaNetState>(mixerState);
        var (nq, nk, vv, beta) = Prepare(q, k, v, state.S.dtype);
        var result = DeltaNetChunks.Run(nq, nk, vv, beta, state.S, _chunk);
        var pending = new DeltaNetPending(state, q.shape[2], result.Keys, result.Updates);
        return (UngroupQueries(result.Output).to_type(q.dtype), pending);
    }

    /// <inheritdoc />
    /// <remarks>S after j tokens is S + sum_{i &lt; j} k_i u_i^T, with the u_i that Verify solved for.</remarks>
    protected override void CommitCore(MixerState mixerState, PendingCommit pendingCommit, ReadOnlySpan<long> accepted)
    {
        var state = StateOf<DeltaNetState>(mixerState);
        var pending = PendingOf<DeltaNetPending>(pendingCommit);
        long batch = state.Batch, m = pending.Candidates;
        var rejected = new bool[batch * m];
        for (int b = 0; b < batch; b++)
            for (long j = accepted[b]; j < m; j++) rejected[b * m + j] = true;
        var mask = tensor(rejected, [batch, 1, m, 1], device: state.Device);
        state.S.add_(pending.Keys.masked_fill(mask, 0).transpose(-1, -2).matmul(pending.Updates));
    }

    /// <summary>
    /// Normalised grouped queries [batch, kv_heads, group, time, d], normalised keys, values and beta [batch, kv_heads,
    /// time], all in <paramref name="dtype"/>. Beta reads the raw key.
    /// </summary>
    (Tensor Q, Tensor K, Tensor V, Tensor Beta) Prepare(Tensor q, Tensor k, Tensor v, ScalarType dtype)
    {
        var (qq, kk, vv) = (q.to_type(dtype), k.to_type(dtype), v.to_type(dtype));
        var weight = beta_weight.to_type(dtype).view(1, Geometry.KvHeads, 1, Geometry.HeadDim);
        var bias = beta_bias.to_type(dtype).view(1, Geometry.KvHeads, 1);
        var beta = kk.mul(weight).sum(-1).add(bias).sigmoid();
        return (GroupQueries(Normalize(qq)), Normalize(kk), vv, beta);
    }

    /// <summary>x / sqrt(|x|^2 + eps) over the head dimension.</summary>
    Tensor Normalize(Tensor x) => x.mul(x.square().sum(-1, keepdim: true).add(_options.NormEps).rsqrt());
}
