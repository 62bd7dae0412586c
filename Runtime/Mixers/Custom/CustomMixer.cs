using LinearDsl.Runtime.Positional;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The base of a user-defined token mixer. Implement the parallel form (<see cref="TokenMixer.ParallelCore"/>, from
/// position 0), the recurrent step (<see cref="StepState"/>) and the state (<see cref="NewState"/>); Prefill, Verify
/// and Commit then come for free, derived exactly from the step: Verify runs the step over a clone of the state once
/// per candidate and keeps a snapshot after each, Commit(j) copies row b's snapshot after j_b steps into the state.
/// Override <see cref="TokenMixer.VerifyCore"/> and <see cref="TokenMixer.CommitCore"/> together for something faster.
/// Inputs arrive rotated (when the mixer has a rotary embedding); a row's absolute position is
/// <c>state.Positions[b]</c> during a step and t in the parallel form. The LinearDsl.Testing conformance kit checks
/// that the forms agree, that the mixer is causal, and that the state neither grows nor leaks.
/// </summary>
/// <typeparam name="TState">The mixer's own state type.</typeparam>
public abstract class CustomMixer<TState> : TokenMixer where TState : CustomMixerState
{
    /// <summary>Creates the mixer (call RegisterComponents() at the end of the derived constructor, as for any module).</summary>
    protected CustomMixer(string name, MixerGeometry geometry, RotaryEmbedding? rotary = null) : base(name, geometry, rotary)
    {
    }

    /// <summary>A fresh state (every row at position 0) for <paramref name="batch"/> rows.</summary>
    protected abstract TState NewState(long batch, ScalarType dtype, Device device);

    /// <summary>
    /// One token per row ([batch, heads, 1, head_dim] queries, [batch, kv_heads, 1, head_dim] keys and values) at the
    /// positions <c>state.Positions</c>: returns the outputs and advances <paramref name="state"/> (not its positions).
    /// </summary>
    protected abstract Tensor StepState(Tensor q, Tensor k, Tensor v, TState state);

    /// <inheritdoc />
    protected sealed override MixerState CreateStateCore(long batch, ScalarType dtype, Device device) => NewState(batch, dtype, device);

    /// <inheritdoc />
    protected sealed override Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState) => StepState(q, k, v, (TState)mixerState);

    /// <summary>No fast prefill: Prefill verifies and commits in chunks, which is exact.</summary>
    protected override long FastPrefillLead(MixerState state) => -1;

    /// <inheritdoc />
    protected override Tensor FastPrefillCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
        => throw new NotSupportedException($"{GetType().Name} has no fast prefill (FastPrefillLead is -1).");

    /// <summary>Unrolled steps over a clone of the state, with a snapshot of the clone after each candidate.</summary>
    protected override (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = (TState)mixerState;
        long m = q.shape[2];
        var pending = new UnrolledPending(state, m);
        pending.Snapshot(state);
        using var clone = NewState(state.Batch, state.Dtype, state.Device);
        clone.CopyFrom(state);
        var outputs = new Tensor[m];
        for (long t = 0; t < m; t++)
        {
            outputs[t] = StepState(q.narrow(2, t, 1), k.narrow(2, t, 1), v.narrow(2, t, 1), clone);
            clone.AdvanceAll();
            pending.Snapshot(clone);
        }
        return (m == 1 ? outputs[0] : cat(outputs, 2), pending);
    }

    /// <summary>Row b takes its snapshot after accepted[b] candidates.</summary>
    protected override void CommitCore(MixerState mixerState, PendingCommit pendingCommit, ReadOnlySpan<long> accepted)
    {
        var state = (TState)mixerState;
        var pending = PendingOf<UnrolledPending>(pendingCommit);
        foreach (var name in pending.Names)
        {
            var rows = new Tensor[state.Batch];
            for (int b = 0; b < rows.Length; b++) rows[b] = pending.At(accepted[b], name).narrow(0, b, 1);
            state.Replace(name, cat(rows, 0));
        }
    }

    /// <summary>The state after each number of candidates (0..m), every tensor [batch, ...].</summary>
    sealed class UnrolledPending : PendingCommit
    {
        readonly List<Dictionary<string, Tensor>> _snapshots = new();

        public UnrolledPending(MixerState state, long candidates) : base(state, candidates)
        {
        }

        public IEnumerable<string> Names => _snapshots[0].Keys;

        public Tensor At(long steps, string name) => _snapshots[(int)steps][name];

        public void Snapshot(CustomMixerState state)
        {
            var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, tensor) in state.Tensors)
            {
                if (tensor.dim() == 0 || tensor.shape[0] != state.Batch)
                    throw new InvalidOperationException($"State tensor '{name}' of {state.GetType().Name} has shape [{string.Join(", ", tensor.shape)}]; every state tensor of a custom mixer must have the batch ({state.Batch}) as its first dimension.");
                copy[name] = Keep(tensor.clone());
            }
            _snapshots.Add(copy);
        }
    }
}
