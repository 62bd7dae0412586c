using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests;

/// <summary>Drives a mixer through its recurrent and speculative forms over a whole sequence.</summary>
public static class Forms
{
    /// <summary>Feeds every token through Step from a fresh state; returns [batch, heads, time, dim].</summary>
    public static Tensor StepLoop(TokenMixer mixer, Tensor q, Tensor k, Tensor v, MixerState? state = null)
    {
        using var scope = NewDisposeScope();
        using var owned = state is null ? mixer.CreateState(q.shape[0], q.dtype) : null;
        var s = state ?? owned!;
        var outputs = new List<Tensor>();
        for (long t = 0; t < q.shape[2]; t++)
            outputs.Add(mixer.Step(q.narrow(2, t, 1), k.narrow(2, t, 1), v.narrow(2, t, 1), s));
        return cat(outputs, 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Prefills the first <paramref name="prefix"/> tokens, then verifies the rest in blocks of the given sizes
    /// (cycled) and commits each block whole. Returns the outputs of every token.
    /// </summary>
    public static Tensor PrefillThenVerify(TokenMixer mixer, Tensor q, Tensor k, Tensor v, long prefix, params long[] blocks)
    {
        using var scope = NewDisposeScope();
        using var state = mixer.CreateState(q.shape[0], q.dtype);
        long time = q.shape[2];
        var outputs = new List<Tensor>();
        if (prefix > 0) outputs.Add(mixer.Prefill(q.narrow(2, 0, prefix), k.narrow(2, 0, prefix), v.narrow(2, 0, prefix), state));
        int i = 0;
        for (long start = prefix; start < time; i++)
        {
            long m = Math.Min(blocks[i % blocks.Length], time - start);
            var result = mixer.Verify(q.narrow(2, start, m), k.narrow(2, start, m), v.narrow(2, start, m), state);
            using (result.Pending)
            {
                mixer.Commit(state, result.Pending, Enumerable.Repeat(m, (int)q.shape[0]).ToArray());
            }
            outputs.Add(result.Output);
            start += m;
        }
        return cat(outputs, 2).MoveToOuterDisposeScope();
    }

    /// <summary>Largest absolute difference, as a double.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        a.shape.Should().Equal(b.shape);
        return a.to_type(ScalarType.Float64).sub(b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    /// <summary>Seeded standard-normal tensor in float64.</summary>
    public static Tensor Randn(torch.Generator generator, params long[] shape)
        => randn(shape, ScalarType.Float64, generator: generator);
}
