using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Testing;

/// <summary>
/// Conformance checks for a token mixer, for a user's own tests: its forms agree in float64, it is causal, its state is
/// of constant size, and it leaks no tensor. Each check throws <see cref="MixerConformanceException"/> when it fails.
/// </summary>
public static class MixerConformance
{
    /// <summary>Runs every check (the mixer is moved to float64 first).</summary>
    public static void CheckAll(TokenMixer mixer, MixerConformanceOptions? options = null)
    {
        FormsAgree(mixer, options);
        IsCausal(mixer, options);
        StateSizeIsConstant(mixer, options);
        NoTensorLeaks(mixer, options);
    }

    /// <summary>
    /// Parallel, the step loop and Prefill + Verify + Commit give the same outputs within the tolerance in float64; rows
    /// accept different counts, so Verify also runs with rows at different positions.
    /// </summary>
    public static void FormsAgree(TokenMixer mixer, MixerConformanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        var o = options ?? new MixerConformanceOptions();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        mixer.to(ScalarType.Float64);
        var (q, k, v) = Inputs(mixer, o.Batch, o.Length, o.Seed);
        var expected = mixer.Parallel(q, k, v);

        using (var state = mixer.CreateState(o.Batch, ScalarType.Float64))
        {
            var steps = new Tensor[o.Length];
            for (long t = 0; t < o.Length; t++) steps[t] = mixer.Step(q.narrow(2, t, 1), k.narrow(2, t, 1), v.narrow(2, t, 1), state);
            Compare("the step loop", cat(steps, 2), expected, o.Tolerance);
        }

        using (var state = mixer.CreateState(o.Batch, ScalarType.Float64))
        {
            long prefix = Math.Min(3, o.Length);
            Compare("Prefill", mixer.Prefill(q.narrow(2, 0, prefix), k.narrow(2, 0, prefix), v.narrow(2, 0, prefix), state), expected.narrow(2, 0, prefix), o.Tolerance);
            for (int round = 0; state.Positions.Min() < o.Length; round++)
            {
                long m = Math.Min(4, o.Length - state.Positions.Max());
                if (m <= 0) break;
                var rows = Enumerable.Range(0, (int)o.Batch).Select(b => state.Positions[b]).ToArray();
                var result = mixer.Verify(Rows(q, rows, m), Rows(k, rows, m), Rows(v, rows, m), state);
                Compare($"Verify (round {round})", result.Output, Rows(expected, rows, m), o.Tolerance);
                // Rows accept different counts (0..m), so the next round starts them at different positions.
                var accepted = Enumerable.Range(0, (int)o.Batch).Select(b => (long)((b + round) % (int)(m + 1))).ToArray();
                if (accepted.All(a => a == 0)) accepted[0] = m;
                mixer.Commit(state, result.Pending, accepted);
                result.Pending.Dispose();
            }
            using var fresh = mixer.CreateState(o.Batch, ScalarType.Float64);
            // The committed state continues exactly: one more step after the rows' positions matches the parallel form.
            long last = state.Positions.Min();
            if (last < o.Length && state.Positions.All(p => p == last))
                Compare("a step after Commit", mixer.Step(q.narrow(2, last, 1), k.narrow(2, last, 1), v.narrow(2, last, 1), state), expected.narrow(2, last, 1), o.Tolerance);
        }
    }

    /// <summary>Changing token t leaves every earlier output bit-identical in the parallel, step and verify forms.</summary>
    public static void IsCausal(TokenMixer mixer, MixerConformanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        var o = options ?? new MixerConformanceOptions();
        using var scope = NewDisposeScope();
        mixer.to(ScalarType.Float64);
        var (q, k, v) = Inputs(mixer, o.Batch, o.Length, o.Seed + 1);
        foreach (long position in new[] { 1, o.Length / 2, o.Length - 1 }.Distinct())
        {
            foreach (var finding in MixerCausalityProbe.Check(mixer, q, k, v, position, o.Seed))
            {
                if (finding.Verdict != CausalityVerdict.Causal)
                    throw new MixerConformanceException($"{mixer.GetType().Name} is not causal: {finding}");
            }
        }
    }

    /// <summary>The state allocates the same bytes after 16 tokens as after 256 (it does not grow with the context).</summary>
    public static void StateSizeIsConstant(TokenMixer mixer, MixerConformanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        var o = options ?? new MixerConformanceOptions();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        mixer.to(ScalarType.Float64);
        using var state = mixer.CreateState(1, ScalarType.Float64);
        var (q, k, v) = Inputs(mixer, 1, 1, o.Seed);
        long early = 0;
        for (int t = 1; t <= 256; t++)
        {
            using (var inner = NewDisposeScope()) mixer.Step(q, k, v, state);
            if (t == 16) early = state.AllocatedBytes;
        }
        if (state.AllocatedBytes != early)
            throw new MixerConformanceException($"{mixer.GetType().Name}'s state grows with the context: {early} bytes after 16 tokens, {state.AllocatedBytes} after 256.");
    }

    /// <summary>Steps and a Verify + Commit leave no live tensor behind (the outputs are disposed, the state is kept).</summary>
    public static void NoTensorLeaks(TokenMixer mixer, MixerConformanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        var o = options ?? new MixerConformanceOptions();
        using var _ = no_grad();
        mixer.to(ScalarType.Float64);
        using var inputs = NewDisposeScope();
        var (q, k, v) = Inputs(mixer, o.Batch, 4, o.Seed);
        using var state = mixer.CreateState(o.Batch, ScalarType.Float64);
        Round(mixer, q, k, v, state);      // warm-up: the state's tensors exist from here on
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int t = 0; t < o.LeakSteps; t++)
        {
            using var step = NewDisposeScope();
            mixer.Step(q.narrow(2, 0, 1), k.narrow(2, 0, 1), v.narrow(2, 0, 1), state);
        }
        Round(mixer, q, k, v, state);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        if (after != before)
            throw new MixerConformanceException($"{mixer.GetType().Name} leaks tensors: {after - before} more live after {o.LeakSteps} steps and a Verify + Commit.");
    }

    static void Round(TokenMixer mixer, Tensor q, Tensor k, Tensor v, MixerState state)
    {
        using var scope = NewDisposeScope();
        var result = mixer.Verify(q, k, v, state);
        mixer.Commit(state, result.Pending, Enumerable.Repeat(2L, (int)state.Batch).ToArray());
        result.Pending.Dispose();
    }

    static (Tensor Q, Tensor K, Tensor V) Inputs(TokenMixer mixer, long batch, long length, ulong seed)
    {
        var g = mixer.Geometry;
        var generator = new Generator(seed);
        return (randn(new[] { batch, g.Heads, length, g.HeadDim }, ScalarType.Float64, generator: generator),
            randn(new[] { batch, g.KvHeads, length, g.HeadDim }, ScalarType.Float64, generator: generator),
            randn(new[] { batch, g.KvHeads, length, g.HeadDim }, ScalarType.Float64, generator: generator));
    }

    /// <summary>Row b's m tokens from position rows[b].</summary>
    static Tensor Rows(Tensor x, long[] rows, long m)
        => cat(rows.Select((start, b) => x.narrow(0, b, 1).narrow(2, start, m)).ToArray(), 0);

    static void Compare(string form, Tensor actual, Tensor expected, double tolerance)
    {
        double difference = actual.sub(expected).abs().max().item<double>();
        if (!(difference <= tolerance))
            throw new MixerConformanceException($"{form} differs from the parallel form by {difference:G3} (tolerance {tolerance:G3}) in float64.");
    }
}
