using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The three forms of a gated or decayed linear attention (<see cref="GatedRecurrence"/>): S_t = diag(a_t) S_{t-1} +
/// k'_t v_t^T, o_t = norm(q_t S_t / sqrt(d)). A kind says only how its gates a_t (and its input key k'_t) come from the
/// key; everything else, the chunked parallel form, the step, verification and commit, is shared. The state is S
/// [batch, kv_heads, d, d], whatever the context length.
/// </summary>
public abstract class GatedRecurrenceMixer : TokenMixer
{
    const long PrefillBlockTokens = 1024;
    readonly long _chunk;
    readonly bool _outputNorm;
    readonly double _normEps;
    readonly double _scale;

    /// <summary>Creates the mixer with the settings every gated kind has (validated first).</summary>
    private protected GatedRecurrenceMixer(string name, MixerGeometry geometry, RotaryEmbedding? rotary, GatedRecurrenceOptions options)
        : base(name, geometry, rotary)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _chunk = options.ChunkSize;
        _outputNorm = options.OutputNorm;
        _normEps = options.NormEps;
        _scale = 1 / Math.Sqrt(geometry.HeadDim);
    }

    /// <summary>
    /// The log gates log a_t &lt;= 0, [batch, kv_heads, time, d] (per key dimension) or [.., 1] (per head), and the keys
    /// that enter the state, from the keys [batch, kv_heads, time, d], all in the key's type.
    /// </summary>
    private protected abstract (Tensor LogGates, Tensor Keys) Gates(Tensor k);

    /// <inheritdoc />
    protected override long PrefillChunk => _chunk;

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v) => Mix(q, k, v, state: null);

    /// <summary>The chunked parallel form; with a state, the block continues it and the state absorbs the block.</summary>
    Tensor Mix(Tensor q, Tensor k, Tensor v, GatedRecurrenceState? state)
    {
        var type = StateDtype(q.dtype);
        var (logGates, keys) = Gates(k.to_type(type));
        var (output, final) = GatedRecurrence.Chunked(Queries(q, type), keys, v.to_type(type), logGates, _chunk, state?.Kv);
        // The decoding state is not trained through: it keeps no graph from step to step.
        if (state is not null) state.Kv = final.detach();
        return Finish(output, q.dtype);
    }

    /// <inheritdoc />
    protected override MixerState CreateStateCore(long batch, ScalarType dtype, Device device)
    {
        var state = new GatedRecurrenceState(this, batch, dtype, device);
        state.Kv = zeros(batch, Geometry.KvHeads, Geometry.HeadDim, Geometry.HeadDim, StateDtype(dtype), device);
        return state;
    }

    /// <inheritdoc />
    protected override long FastPrefillLead(MixerState state) => 0;

    /// <inheritdoc />
    /// <remarks>Blocks of about 1024 tokens, carrying S from block to block.</remarks>
    protected override Tensor FastPrefillCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<GatedRecurrenceState>(mixerState);
        return InBlocks(q, k, v, Math.Max(_chunk, PrefillBlockTokens / _chunk * _chunk), (qb, kb, vb) => Mix(qb, kb, vb, state));
    }

    /// <inheritdoc />
    protected override Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<GatedRecurrenceState>(mixerState);
        var type = state.Kv.dtype;
        var (logGates, keys) = Gates(k.to_type(type));
        return Finish(GatedRecurrence.Step(Queries(q, type), keys.detach(), v.to_type(type).detach(), logGates.detach(), state.Kv), q.dtype);
    }

    /// <inheritdoc />
    protected override (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<GatedRecurrenceState>(mixerState);
        var type = state.Kv.dtype;
        var (logGates, keys) = Gates(k.to_type(type));
        var values = v.to_type(type);
        // Candidates run as one chunk from the committed state; the state itself is only read.
        var (output, _) = GatedRecurrence.Chunked(Queries(q, type), keys, values, logGates, q.shape[2], state.Kv);
        var pending = new GatedRecurrencePending(state, q.shape[2], keys, values, logGates.cumsum(2));
        return (Finish(output, q.dtype), pending);
    }

    /// <inheritdoc />
    protected override void CommitCore(MixerState mixerState, PendingCommit pendingCommit, ReadOnlySpan<long> accepted)
    {
        var state = StateOf<GatedRecurrenceState>(mixerState);
        var pending = PendingOf<GatedRecurrencePending>(pendingCommit);
        state.Kv = GatedRecurrence.Advance(state.Kv, pending.Keys, pending.Values, pending.Cumulative, accepted);
    }

    /// <summary>Grouped queries scaled by 1/sqrt(d), in the state's type.</summary>
    Tensor Queries(Tensor q, ScalarType type) => GroupQueries(q).to_type(type).mul(_scale);

    /// <summary>Ungroups the heads, applies the per-head RMS norm if on, and returns to the inputs' type.</summary>
    Tensor Finish(Tensor grouped, ScalarType type)
    {
        var output = UngroupQueries(grouped);
        if (_outputNorm) output = output.mul(output.square().mean([-1], keepdim: true).add(_normEps).rsqrt());
        return output.to_type(type);
    }
}

/// <summary>State of a <see cref="GatedRecurrenceMixer"/>: "kv" = S, [batch, kv_heads, d, d] (float32 or better).</summary>
public sealed class GatedRecurrenceState : MixerState
{
    internal GatedRecurrenceState(TokenMixer owner, long batch, ScalarType dtype, Device device)
        : base(owner, batch, dtype, device)
    {
    }

    internal Tensor Kv { get => Get("kv"); set => Set("kv", value); }
}

/// <summary>The candidates' keys, values and inclusive cumulative log gates (what Commit needs for any prefix).</summary>
internal sealed class GatedRecurrencePending : PendingCommit
{
    public GatedRecurrencePending(MixerState state, long candidates, Tensor keys, Tensor values, Tensor cumulative) : base(state, candidates)
    {
        Keys = Keep(keys.detach());
        Values = Keep(values.detach());
        Cumulative = Keep(cumulative.detach());
    }

    public Tensor Keys { get; }

    public Tensor Values { get; }

    public Tensor Cumulative { get; }
}
