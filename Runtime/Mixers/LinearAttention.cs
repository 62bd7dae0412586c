using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Causal linear attention with a feature map phi: o_t = phi(q_t) S_t / (phi(q_t) . z_t + eps) where
/// S_t = sum_{s &lt;= t} phi(k_s) v_s^T and z_t = sum_{s &lt;= t} phi(k_s) (without the denominator: o_t = phi(q_t) S_t).
/// The recurrent state is S [batch, kv_heads, F, d] with z as an extra last column, so one matmul updates both.
/// </summary>
public sealed partial class LinearAttention : TokenMixer
{
    readonly LinearAttentionOptions _options;
    readonly long _chunk;
    const long PrefillBlockTokens = 1024;
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly FeatureMap feature_map;
#pragma warning restore IDE1006

    /// <summary>Creates the mixer.</summary>
    public LinearAttention(MixerGeometry geometry, LinearAttentionOptions? options = null, RotaryEmbedding? rotary = null)
        : base(nameof(LinearAttention), geometry, rotary)
    {
        _options = options ?? new LinearAttentionOptions();
        _options.Validate();
        _chunk = _options.ChunkSize;
        feature_map = FeatureMaps.FeatureMap.Create(_options.FeatureMap, geometry, _options.FeatureDim, _options.Seed);
        NonCausalSettings = _options.NonCausalSettings;
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public LinearAttentionOptions Options => _options;

    /// <summary>The feature map (a submodule: learnable maps train with the model).</summary>
    public FeatureMap FeatureMap => feature_map;

    /// <inheritdoc />
    protected override long PrefillChunk => _chunk;

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
        => _options.Bidirectional ? MixBidirectional(q, k, v) : Mix(q, k, v, state: null);

    /// <summary>The encoder's form: every query reads the whole sum [S || z] = sum_j phi(k_j) [v_j || 1], O(T) in time.</summary>
    Tensor MixBidirectional(Tensor q, Tensor k, Tensor v)
    {
        var g = Geometry;
        long batch = q.shape[0], time = q.shape[2], features = feature_map.FeatureDim;
        var values = WithOnes(v);
        var sum = feature_map.Keys(k).transpose(-1, -2).matmul(values).unsqueeze(2);
        var fq = feature_map.Queries(q).view(batch, g.KvHeads, g.QueriesPerKv, time, features);
        return UngroupQueries(Normalize(fq.matmul(sum)));
    }

    /// <summary>
    /// The chunked parallel form; with a state, the block continues it (every token also reads [S || z]) and the
    /// state absorbs the block.
    /// </summary>
    Tensor Mix(Tensor q, Tensor k, Tensor v, LinearAttentionState? state)
    {
        long[] shape = q.shape;
        long batch = shape[0], time = shape[2], features = feature_map.FeatureDim;
        long chunks = (time + _chunk - 1) / _chunk, padded = chunks * _chunk;
        var g = Geometry;
        var values = WithOnes(v);
        long width = values.shape[3];
        var keyFeatures = feature_map.Keys(k);
        // Padding goes after phi, so padded keys are zero and padded queries are dropped.
        var fq = PadTime(feature_map.Queries(q), padded).view(batch, g.KvHeads, g.QueriesPerKv, chunks, _chunk, features);
        var fk = PadTime(keyFeatures, padded).view(batch, g.KvHeads, 1, chunks, _chunk, features);
        var vc = PadTime(values, padded).view(batch, g.KvHeads, 1, chunks, _chunk, width);

        var future = ones(_chunk, _chunk, ScalarType.Bool, q.device).triu(1);
        var numerator = fq.matmul(fk.transpose(-1, -2)).masked_fill_(future, 0).matmul(vc);
        if (chunks > 1)
        {
            // Chunk c reads the inclusive prefix up to chunk c - 1 (a shifted cumsum).
            var prefix = fk.transpose(-1, -2).matmul(vc).cumsum(3);
            numerator.narrow(3, 1, chunks - 1).add_(fq.narrow(3, 1, chunks - 1).matmul(prefix.narrow(3, 0, chunks - 1)));
        }
        if (state is not null)
        {
            numerator.add_(MatmulInStateType(fq, state.Kv.view(batch, g.KvHeads, 1, 1, features, width)));
            state.Kv.add_(OuterSumInStateType(keyFeatures, values, state.Kv.dtype));
        }
        var mixed = numerator.view(batch, g.KvHeads, g.QueriesPerKv, padded, width).narrow(3, 0, time);
        return UngroupQueries(Normalize(mixed));
    }

    /// <inheritdoc />
    protected override MixerState CreateStateCore(long batch, ScalarType dtype, Device device)
    {
        var state = new LinearAttentionState(this, batch, dtype, device);
        long width = Geometry.HeadDim + (_options.Denominator ? 1 : 0);
        state.Kv = zeros(batch, Geometry.KvHeads, feature_map.FeatureDim, width, StateDtype(dtype), device);
        return state;
    }

    /// <inheritdoc />
    protected override long FastPrefillLead(MixerState state) => 0;

    /// <inheritdoc />
    /// <remarks>Blocks of about 1024 tokens, carrying [S || z] from block to block.</remarks>
    protected override Tensor FastPrefillCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<LinearAttentionState>(mixerState);
        return InBlocks(q, k, v, Math.Max(_chunk, PrefillBlockTokens / _chunk * _chunk), (qb, kb, vb) => Mix(qb, kb, vb, state));
    }

    /// <inheritdoc />
    protected override Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<LinearAttentionState>(mixerState);
        var update = feature_map.Keys(k).transpose(-1, -2).matmul(WithOnes(v));
        state.Kv.add_(update.to_type(state.Kv.dtype));
        var fq = GroupQueries(feature_map.Queries(q));
        return UngroupQueries(Normalize(MatmulInStateType(fq, state.Kv.unsqueeze(2))));
    }

    /// <inheritdoc />
    protected override (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<LinearAttentionState>(mixerState);
        long m = q.shape[2];
        var fk = feature_map.Keys(k);
        var values = WithOnes(v);
        var pending = new LinearAttentionPending(state, m, fk, values);
        var fq = GroupQueries(feature_map.Queries(q));
        var future = ones(m, m, ScalarType.Bool, q.device).triu(1);
        var own = fq.matmul(fk.unsqueeze(2).transpose(-1, -2)).masked_fill(future, 0).matmul(values.unsqueeze(2));
        var numerator = own.add(MatmulInStateType(fq, state.Kv.unsqueeze(2)));
        return (UngroupQueries(Normalize(numerator)), pending);
    }

    /// <inheritdoc />
    protected override void CommitCore(MixerState mixerState, PendingCommit pendingCommit, ReadOnlySpan<long> accepted)
    {
        var state = StateOf<LinearAttentionState>(mixerState);
        var pending = PendingOf<LinearAttentionPending>(pendingCommit);
        long batch = state.Batch, m = pending.Candidates;
        var rejected = new bool[batch * m];
        for (int b = 0; b < batch; b++)
            for (long j = accepted[b]; j < m; j++) rejected[b * m + j] = true;
        var mask = tensor(rejected, [batch, 1, m, 1], device: state.Device);
        var update = pending.Keys.masked_fill(mask, 0).transpose(-1, -2).matmul(pending.Values);
        state.Kv.add_(update.to_type(state.Kv.dtype));
    }

    /// <summary>v with a column of ones appended when the denominator is on (its accumulator is z).</summary>
    Tensor WithOnes(Tensor v)
        => _options.Denominator ? cat(new[] { v, ones_like(v.narrow(-1, 0, 1)) }, -1) : v;

    /// <summary>Splits [numerator || phi(q) . z] and divides; identity without the denominator.</summary>
    Tensor Normalize(Tensor numerator)
    {
        if (!_options.Denominator) return numerator;
        long dim = Geometry.HeadDim;
        return numerator.narrow(-1, 0, dim).div(numerator.narrow(-1, dim, 1).add(_options.DenominatorEps));
    }



}

/// <summary>State of <see cref="LinearAttention"/>: "kv" = [S || z], [batch, kv_heads, F, d (+1 with the denominator)].</summary>
public sealed class LinearAttentionState : MixerState
{
    internal LinearAttentionState(TokenMixer owner, long batch, ScalarType dtype, Device device)
        : base(owner, batch, dtype, device)
    {
    }

    internal Tensor Kv { get => Get("kv"); set => Set("kv", value); }
}

/// <summary>phi(k) and [v || 1] of the candidates.</summary>
internal sealed class LinearAttentionPending : PendingCommit
{
    public LinearAttentionPending(MixerState state, long candidates, Tensor keys, Tensor values) : base(state, candidates)
    {
        Keys = Keep(keys);
        Values = Keep(values);
    }

    public Tensor Keys { get; }

    public Tensor Values { get; }
}
