using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// A causal token mixer with the three forms of method.md section 2, all exact to each other:
/// <see cref="Parallel"/> (training, autograd), <see cref="Step"/> (one token per row, recurrent state) and
/// <see cref="Verify"/> + <see cref="Commit"/> (speculative candidates). Inputs are [batch, heads, time, head_dim]
/// for queries and [batch, kv_heads, time, head_dim] for keys and values, before rotary embedding: the mixer
/// rotates them by absolute position when it has a <see cref="Rotary"/>.
/// </summary>
public abstract class TokenMixer : nn.Module
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
        var (rq, rk) = Rotate(q, k, ContiguousPositions(1, [0], time, q.device));
        return ParallelCore(rq, rk, v).MoveToOuterDisposeScope();
    }

    /// <summary>A new decoding state for <paramref name="batch"/> rows at position 0.</summary>
    public MixerState CreateState(long batch, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (!torch.is_floating_point(dtype))
            throw new ArgumentException($"State dtype must be a floating-point type, got {dtype}.", nameof(dtype));
        return CreateStateCore(batch, dtype, device ?? CPU);
    }

    /// <summary>
    /// Feeds a whole block of tokens to every row and advances each row by its length; returns the block's outputs.
    /// From a fresh state it uses the parallel form; otherwise it verifies and commits the block chunk by chunk.
    /// </summary>
    public Tensor Prefill(Tensor q, Tensor k, Tensor v, MixerState state)
    {
        CheckState(state);
        long time = CheckInputs(q, k, v, state, nameof(Prefill));
        using var scope = NewDisposeScope();
        Tensor output;
        if (state.IsFresh)
        {
            var (rq, rk) = Rotate(q, k, ContiguousPositions(1, [0], time, q.device));
            output = PrefillFreshCore(rq, rk, v, state);
            foreach (ref long p in state.MutablePositions) p += time;
            state.Touch();
        }
        else
        {
            var parts = new List<Tensor>();
            var all = Enumerable.Repeat(0L, (int)state.Batch).ToArray();
            for (long start = 0; start < time; start += PrefillChunk)
            {
                long length = Math.Min(PrefillChunk, time - start);
                var result = Verify(q.narrow(2, start, length), k.narrow(2, start, length), v.narrow(2, start, length), state);
                Array.Fill(all, length);
                Commit(state, result.Pending, all);
                result.Pending.Dispose();
                parts.Add(result.Output);
            }
            output = parts.Count == 1 ? parts[0] : cat(parts, 2);
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>One token per row ([batch, heads, 1, head_dim]); advances every row by one position.</summary>
    public Tensor Step(Tensor q, Tensor k, Tensor v, MixerState state)
    {
        CheckState(state);
        long time = CheckInputs(q, k, v, state, nameof(Step));
        if (time != 1) throw new ArgumentException($"Step takes exactly one token per row, got {time}; use Prefill or Verify for blocks.", nameof(q));
        using var scope = NewDisposeScope();
        var (rq, rk) = Rotate(q, k, RowPositions(state, 1, q.device));
        var output = StepCore(rq, rk, v, state);
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
        var (rq, rk) = Rotate(q, k, RowPositions(state, m, q.device));
        var (output, pending) = VerifyCore(rq, rk, v, state);
        return new VerifyResult(output.MoveToOuterDisposeScope(), pending);
    }

    /// <summary>Accepts the first <paramref name="accepted"/>[b] candidates of row b (rows may differ).</summary>
    public void Commit(MixerState state, PendingCommit pending, ReadOnlySpan<long> accepted)
    {
        CheckState(state);
        ArgumentNullException.ThrowIfNull(pending);
        if (!ReferenceEquals(pending.State, state))
            throw new ArgumentException("The pending record was verified against a different state; commit it to the state passed to Verify.", nameof(pending));
        if (pending.Version != state.Version)
            throw new InvalidOperationException($"The state has changed since this verification (version {pending.Version}, now {state.Version}); verify again before committing.");
        if (accepted.Length != state.Batch)
            throw new ArgumentException($"Commit needs one accepted count per row: got {accepted.Length}, the batch has {state.Batch}.", nameof(accepted));
        for (int b = 0; b < accepted.Length; b++)
        {
            if (accepted[b] < 0 || accepted[b] > pending.Candidates)
                throw new ArgumentOutOfRangeException(nameof(accepted), accepted[b], $"Row {b} accepts {accepted[b]} candidates, but {pending.Candidates} were verified.");
        }
        using var scope = NewDisposeScope();
        CommitCore(state, pending, accepted);
        for (int b = 0; b < accepted.Length; b++) state.MutablePositions[b] += accepted[b];
        state.Touch();
    }

    /// <summary>Parallel form on rotated inputs.</summary>
    protected abstract Tensor ParallelCore(Tensor q, Tensor k, Tensor v);

    /// <summary>Creates the mixer-specific state.</summary>
    protected abstract MixerState CreateStateCore(long batch, ScalarType dtype, Device device);

    /// <summary>Prefill of a fresh state from rotated inputs; writes the state but not the positions.</summary>
    protected abstract Tensor PrefillFreshCore(Tensor q, Tensor k, Tensor v, MixerState state);

    /// <summary>One step on rotated inputs; writes the state but not the positions.</summary>
    protected abstract Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState state);

    /// <summary>Verification on rotated inputs; must not write the state.</summary>
    protected abstract (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState state);

    /// <summary>Commits accepted prefixes; writes the state but not the positions.</summary>
    protected abstract void CommitCore(MixerState state, PendingCommit pending, ReadOnlySpan<long> accepted);

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

    /// <summary>Positions p_b + j for j in 0..count-1, shaped [batch, count].</summary>
    protected static Tensor RowPositions(MixerState state, long count, Device device)
        => ContiguousPositions(state.Batch, state.Positions, count, device);

    static Tensor ContiguousPositions(long batch, IReadOnlyList<long> starts, long count, Device device)
    {
        var data = new long[batch * count];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < count; j++) data[b * count + j] = starts[b] + j;
        return tensor(data, [batch, count], device: device);
    }

    (Tensor Q, Tensor K) Rotate(Tensor q, Tensor k, Tensor positions)
    {
        if (Rotary is null) return (q, k);
        var (cos, sin) = Rotary.Angles(positions, q.dtype);
        return (Rotary.Rotate(q, cos, sin), Rotary.Rotate(k, cos, sin));
    }

    void CheckState(MixerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ThrowIfDisposed();
        if (!ReferenceEquals(state.Owner, this))
            throw new ArgumentException("This state belongs to a different mixer; create it with this mixer's CreateState.", nameof(state));
    }

    long CheckInputs(Tensor q, Tensor k, Tensor v, MixerState? state, string form)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        var g = Geometry;
        CheckShape(q, "q", g.Heads, form);
        CheckShape(k, "k", g.KvHeads, form);
        CheckShape(v, "v", g.KvHeads, form);
        if (k.shape[0] != q.shape[0] || v.shape[0] != q.shape[0] || k.shape[2] != q.shape[2] || v.shape[2] != q.shape[2])
            throw new ArgumentException($"{form}: q {Shape(q)}, k {Shape(k)} and v {Shape(v)} must agree in batch and time.");
        if (k.dtype != q.dtype || v.dtype != q.dtype)
            throw new ArgumentException($"{form}: q, k and v must share one dtype (got {q.dtype}, {k.dtype}, {v.dtype}).");
        if (q.shape[2] == 0) throw new ArgumentException($"{form}: the time dimension is empty; pass at least one token.", nameof(q));
        if (state is not null)
        {
            if (q.shape[0] != state.Batch)
                throw new ArgumentException($"{form}: the inputs have batch {q.shape[0]} but the state was created for batch {state.Batch}.", nameof(q));
            if (q.dtype != state.Dtype)
                throw new ArgumentException($"{form}: the inputs are {q.dtype} but the state was created for {state.Dtype}.", nameof(q));
        }
        return q.shape[2];
    }

    void CheckShape(Tensor t, string name, int heads, string form)
    {
        if (t.dim() != 4)
            throw new ArgumentException($"{form}: {name} must have rank 4 [batch, heads, time, head_dim], got shape {Shape(t)}.", name);
        if (t.shape[1] != heads || t.shape[3] != Geometry.HeadDim)
            throw new ArgumentException($"{form}: {name} must have {heads} heads of size {Geometry.HeadDim}, got shape {Shape(t)}.", name);
        if (!torch.is_floating_point(t))
            throw new ArgumentException($"{form}: {name} must be floating point, got {t.dtype}.", name);
    }

    static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
