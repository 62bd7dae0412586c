using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// A causal token mixer with the three forms of docs/method.md, "Three forms of one function", all exact to each other:
/// <see cref="Parallel"/> (training, autograd), <see cref="Step"/> (one token per row, recurrent state) and
/// <see cref="Verify"/> + <see cref="Commit"/> (speculative candidates). Inputs are [batch, heads, time, head_dim]
/// for queries and [batch, kv_heads, time, head_dim] for keys and values, before rotary embedding: the mixer
/// rotates them by absolute position when it has a <see cref="Rotary"/>.
/// </summary>
public abstract partial class TokenMixer : nn.Module
{
    /// <summary>Creates the mixer.</summary>
    protected TokenMixer(string name, MixerGeometry geometry, RotaryEmbedding? rotary) : base(name)
    {
        Geometry = geometry ?? throw new ArgumentNullException(nameof(geometry));
        if (rotary is not null && rotary.HeadDim != geometry.HeadDim)
            throw new ArgumentException($"Rotary embedding is for head size {rotary.HeadDim}, but the mixer's heads have size {geometry.HeadDim}.", nameof(rotary));
        Rotary = rotary;
    }

    /// <summary>Head layout.</summary>
    public MixerGeometry Geometry { get; }

    /// <summary>Rotary embedding applied to queries and keys by absolute position, or null for none.</summary>
    public RotaryEmbedding? Rotary { get; }

    /// <summary>Candidates per <see cref="Verify"/> call used by <see cref="Prefill"/> when the state is not fresh.</summary>
    protected virtual long PrefillChunk => 64;

    /// <summary>The parallel (training) form over positions 0..time-1. Autograd flows through it.</summary>
    public Tensor Parallel(Tensor q, Tensor k, Tensor v)
    {
        long time = CheckInputs(q, k, v, state: null, nameof(Parallel));
        using var scope = NewDisposeScope();
        var (rq, rk) = Rotate(q, k, [0], time);
        return ParallelCore(rq, rk, v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The deliberately non-causal settings this mixer was built with ("Name = value", joined by ", "), or null when it
    /// is causal. A non-causal mixer has only its parallel form: <see cref="CreateState"/> refuses it, and with it
    /// Prefill, Step, Verify and Commit, whose exactness rests on causality.
    /// </summary>
    public string? NonCausalSettings { get; protected init; }

    /// <summary>A new decoding state for <paramref name="batch"/> rows at position 0.</summary>
    /// <exception cref="NotSupportedException">The mixer is non-causal (<see cref="NonCausalSettings"/>).</exception>
    public MixerState CreateState(long batch, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (NonCausalSettings is not null)
            throw new NotSupportedException($"{GetType().Name} is built with {NonCausalSettings}, so it reads later tokens and has only its parallel form (training-time demonstrations of information leakage). Prefill, Step, Verify and Commit need a causal mixer: remove the setting.");
        if (!IsFloatingPoint(dtype))
            throw new ArgumentException($"State dtype must be a floating-point type, got {dtype}.", nameof(dtype));
        return CreateStateCore(batch, dtype, device ?? CPU);
    }

    /// <summary>
    /// Feeds a whole block of tokens to every row and advances each row by its length; returns the block's outputs.
    /// When every row sits at the same position, the block runs through the mixer's fast parallel prefill (after
    /// at most a few verified tokens that align it, see <see cref="FastPrefillLead"/>); otherwise it is verified and
    /// committed chunk by chunk. Both are exact.
    /// </summary>
    public Tensor Prefill(Tensor q, Tensor k, Tensor v, MixerState state)
    {
        CheckState(state);
        long time = CheckInputs(q, k, v, state, nameof(Prefill));
        using var scope = NewDisposeScope();
        long lead = state.Positions.All(p => p == state.Positions[0]) ? FastPrefillLead(state) : -1;
        long verified = lead < 0 ? time : Math.Min(lead, time);
        var parts = new List<Tensor>();
        var all = new long[state.Batch];
        for (long start = 0; start < verified; start += PrefillChunk)
        {
            long length = Math.Min(PrefillChunk, verified - start);
            var result = Verify(q.narrow(2, start, length), k.narrow(2, start, length), v.narrow(2, start, length), state);
            Array.Fill(all, length);
            Commit(state, result.Pending, all);
            result.Pending.Dispose();
            parts.Add(result.Output);
        }
        if (verified < time)
        {
            long rest = time - verified;
            var (rq, rk) = Rotate(q.narrow(2, verified, rest), k.narrow(2, verified, rest), state.Positions, rest);
            parts.Add(FastPrefillCore(rq, rk, v.narrow(2, verified, rest), state));
            foreach (ref long p in state.MutablePositions) p += rest;
            state.Touch();
        }
        var output = parts.Count == 1 ? parts[0] : cat(parts, 2);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>One token per row ([batch, heads, 1, head_dim]); advances every row by one position.</summary>
    public Tensor Step(Tensor q, Tensor k, Tensor v, MixerState state)
    {
        CheckState(state);
        long time = CheckInputs(q, k, v, state, nameof(Step));
        if (time != 1) throw new ArgumentException($"Step takes exactly one token per row, got {time}; use Prefill or Verify for blocks.", nameof(q));
        using var scope = NewDisposeScope();
        var output = FusedStep(q, k, v, state);
        if (output is null)
        {
            var (rq, rk) = Rotate(q, k, state.Positions, 1);
            output = StepCore(rq, rk, v, state);
        }
        foreach (ref long p in state.MutablePositions) p += 1;
        state.Touch();
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Outputs for m candidate tokens per row ([batch, heads, m, head_dim]) that follow each row's committed
    /// position. Reads the state and never writes it; the returned record lets <see cref="Commit"/> accept a prefix.
    /// </summary>
    public VerifyResult Verify(Tensor q, Tensor k, Tensor v, MixerState state)
    {
        CheckState(state);
        long m = CheckInputs(q, k, v, state, nameof(Verify));
        using var scope = NewDisposeScope();
        var fused = FusedVerify(q, k, v, state);
        if (fused is { } result) return new VerifyResult(result.Output.MoveToOuterDisposeScope(), result.Pending);
        var (rq, rk) = Rotate(q, k, state.Positions, m);
        var (output, pending) = VerifyCore(rq, rk, v, state);
        return new VerifyResult(output.MoveToOuterDisposeScope(), pending);
    }

    /// <summary>Accepts the first <paramref name="accepted"/>[b] candidates of row b (rows may differ).</summary>
    public void Commit(MixerState state, PendingCommit pending, ReadOnlySpan<long> accepted)
    {
        CheckState(state);
        ArgumentNullException.ThrowIfNull(pending);
        if (pending is TreePending) throw new ArgumentException("This pending record comes from VerifyTree; commit it with CommitPath.", nameof(pending));
        CommitChecks.Check(ReferenceEquals(pending.State, state), pending.Version, state.Version, pending.Candidates, state.Batch, accepted);
        using var scope = NewDisposeScope();
        CommitCore(state, pending, accepted);
        for (int b = 0; b < accepted.Length; b++) state.MutablePositions[b] += accepted[b];
        state.Touch();
    }

    /// <summary>Parallel form on rotated inputs.</summary>
    protected abstract Tensor ParallelCore(Tensor q, Tensor k, Tensor v);

    /// <summary>Creates the mixer-specific state.</summary>
    protected abstract MixerState CreateStateCore(long batch, ScalarType dtype, Device device);

    /// <summary>
    /// Tokens to verify one by one before <see cref="FastPrefillCore"/> can take over, for a state whose rows all sit
    /// at the same position; -1 when this state cannot use the fast path.
    /// </summary>
    protected abstract long FastPrefillLead(MixerState state);

    /// <summary>Parallel prefill from rotated inputs when every row sits at the same (aligned) position; writes the state but not the positions.</summary>
    protected abstract Tensor FastPrefillCore(Tensor q, Tensor k, Tensor v, MixerState mixerState);

    /// <summary>
    /// A fused step on UNrotated inputs, or null when it does not apply to these inputs (then the generic
    /// <see cref="StepCore"/> runs). It must compute the same function; writes the state but not the positions.
    /// </summary>
    protected virtual Tensor? FusedStep(Tensor q, Tensor k, Tensor v, MixerState mixerState) => null;

    /// <summary>
    /// A fused verification on UNrotated inputs, or null when it does not apply (then <see cref="VerifyCore"/> runs).
    /// It must compute the same function and return what <see cref="CommitCore"/> expects; it must not write the state.
    /// </summary>
    protected virtual (Tensor Output, PendingCommit Pending)? FusedVerify(Tensor q, Tensor k, Tensor v, MixerState mixerState) => null;

    /// <summary>One step on rotated inputs; writes the state but not the positions.</summary>
    protected abstract Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState);

    /// <summary>Verification on rotated inputs; must not write the state.</summary>
    protected abstract (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState);

    /// <summary>Commits accepted prefixes; writes the state but not the positions.</summary>
    protected abstract void CommitCore(MixerState mixerState, PendingCommit pendingCommit, ReadOnlySpan<long> accepted);

    /// <summary>Runs <paramref name="mix"/> over consecutive blocks of at most <paramref name="block"/> tokens and joins the outputs.</summary>
    protected static Tensor InBlocks(Tensor q, Tensor k, Tensor v, long block, Func<Tensor, Tensor, Tensor, Tensor> mix)
    {
        long time = q.shape[2];
        if (time <= block) return mix(q, k, v);
        var parts = new List<Tensor>();
        for (long start = 0; start < time; start += block)
        {
            long length = Math.Min(block, time - start);
            parts.Add(mix(q.narrow(2, start, length), k.narrow(2, start, length), v.narrow(2, start, length)));
        }
        return cat(parts, 2);
    }

    /// <summary>Casts the state to this mixer's state type, with a clear error for a foreign state.</summary>
    protected TState StateOf<TState>(MixerState state) where TState : MixerState
        => state as TState ?? throw new ArgumentException($"{GetType().Name} cannot use a {state.GetType().Name}; create the state with this mixer's CreateState.", nameof(state));

    /// <summary>Casts the pending record to this mixer's type, with a clear error for a foreign record.</summary>
    protected static TPending PendingOf<TPending>(PendingCommit pending) where TPending : PendingCommit
        => pending as TPending ?? throw new ArgumentException($"This pending record ({pending.GetType().Name}) comes from a different kind of mixer.", nameof(pending));

    /// <summary>[batch, heads, time, dim] queries viewed as [batch, kv_heads, queries_per_kv, time, dim].</summary>
    protected Tensor GroupQueries(Tensor q) => q.view(q.shape[0], Geometry.KvHeads, Geometry.QueriesPerKv, q.shape[2], q.shape[3]);

    /// <summary>Inverse of <see cref="GroupQueries"/>.</summary>
    protected Tensor UngroupQueries(Tensor grouped) => grouped.reshape(grouped.shape[0], Geometry.Heads, grouped.shape[3], grouped.shape[4]);

    (Tensor Q, Tensor K) Rotate(Tensor q, Tensor k, IReadOnlyList<long> starts, long time)
    {
        if (Rotary is null) return (q, k);
        var (cos, sin) = Rotary.Angles(starts, time, q.dtype, q.device);
        return (Rotary.Rotate(q, cos, sin), Rotary.Rotate(k, cos, sin));
    }

    private protected void CheckState(MixerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ThrowIfDisposed();
        if (!ReferenceEquals(state.Owner, this))
            throw new ArgumentException("This state belongs to a different mixer; create it with this mixer's CreateState.", nameof(state));
    }

    /// <summary>Checks ranks, head counts, batch, time and dtypes (reading each shape once: this runs every step).</summary>
    long CheckInputs(Tensor q, Tensor k, Tensor v, MixerState? state, string form)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        var g = Geometry;
        long[] qs = q.shape, ks = k.shape, vs = v.shape;
        CheckShape(qs, "q", g.Heads, form);
        CheckShape(ks, "k", g.KvHeads, form);
        CheckShape(vs, "v", g.KvHeads, form);
        if (ks[0] != qs[0] || vs[0] != qs[0] || ks[2] != qs[2] || vs[2] != qs[2])
            throw new ArgumentException($"{form}: q {Shape(qs)}, k {Shape(ks)} and v {Shape(vs)} must agree in batch and time.");
        var dtype = q.dtype;
        if (!IsFloatingPoint(dtype)) throw new ArgumentException($"{form}: q, k and v must be floating point, got {dtype}.", nameof(q));
        if (k.dtype != dtype || v.dtype != dtype)
            throw new ArgumentException($"{form}: q, k and v must share one dtype (got {dtype}, {k.dtype}, {v.dtype}).");
        if (qs[2] == 0) throw new ArgumentException($"{form}: the time dimension is empty; pass at least one token.", nameof(q));
        if (state is not null)
        {
            if (qs[0] != state.Batch)
                throw new ArgumentException($"{form}: the inputs have batch {qs[0]} but the state was created for batch {state.Batch}.", nameof(q));
            if (dtype != state.Dtype)
                throw new ArgumentException($"{form}: the inputs are {dtype} but the state was created for {state.Dtype}.", nameof(q));
        }
        return qs[2];
    }

    void CheckShape(long[] shape, string name, int heads, string form)
    {
        if (shape.Length != 4)
            throw new ArgumentException($"{form}: {name} must have rank 4 [batch, heads, time, head_dim], got shape {Shape(shape)}.", name);
        if (shape[1] != heads || shape[3] != Geometry.HeadDim)
            throw new ArgumentException($"{form}: {name} must have {heads} heads of size {Geometry.HeadDim}, got shape {Shape(shape)}.", name);
    }

    static bool IsFloatingPoint(ScalarType t)
        => t is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
