using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>
/// The augmented form on a GLA-gated global term (Gate = Gla): the parallel form, Step (tensor and inference paths),
/// Verify + Commit of whole blocks, and Verify + Commit with rows that accept different counts, each against the
/// independent float64 per-token reference of <see cref="AugmentedGlaCase"/>, across many group boundaries.
/// </summary>
public sealed class AugmentedGlaGoldenTests
{
    const double Tolerance = 1e-12;

    static readonly Dictionary<string, AugmentedGlaCase> Cases = new()
    {
        ["every-part"] = new() { Heads = 2, KvHeads = 2, HeadDim = 5, GroupSize = 4 },
        ["gqa"] = new() { Heads = 4, KvHeads = 2, HeadDim = 4, GroupSize = 3, ConvTaps = 4, Temperature = 16 },
        ["global-only-groups-of-one"] = new() { Heads = 2, KvHeads = 1, HeadDim = 3, GroupSize = 1, Local = false, Conv = false },
        ["long-groups"] = new() { Heads = 1, KvHeads = 1, HeadDim = 6, GroupSize = 7, Temperature = 1 },
    };

    public static TheoryData<string> Names() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Parallel_matches_the_reference(string name)
    {
        using var scope = NewDisposeScope();
        var (mixer, q, k, v, expected) = Build(name, batch: 2, time: 23);
        // The global term really is gated: without gates the output differs.
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1);
        Forms.MaxAbsDiff(mixer.Parallel(q, k, v), expected).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Step_matches_the_reference_with_and_without_autograd(string name)
    {
        using var scope = NewDisposeScope();
        var (mixer, q, k, v, expected) = Build(name, batch: 2, time: 23);
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(Tolerance);
        using var _ = inference_mode();
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(Tolerance, "inference takes the tensor path too (the fused kernel knows no gate)");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Prefill_then_verify_and_commit_match_the_reference(string name)
    {
        using var scope = NewDisposeScope();
        var (mixer, q, k, v, expected) = Build(name, batch: 2, time: 23);
        foreach (long prefix in new long[] { 0, 2, 7, 9 })
        {
            Forms.MaxAbsDiff(Forms.PrefillThenVerify(mixer, q, k, v, prefix, 3, 5, 1, 8), expected).Should().BeLessThan(Tolerance, $"prefix {prefix}");
            using var _ = no_grad();
            Forms.MaxAbsDiff(Forms.PrefillThenVerify(mixer, q, k, v, prefix, 6, 2), expected).Should().BeLessThan(Tolerance, $"prefix {prefix}, no_grad");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Rows_that_commit_different_counts_match_the_reference(string name)
    {
        using var scope = NewDisposeScope();
        const long batch = 3, time = 40, m = 6;
        var (mixer, q, k, v, expected) = Build(name, batch, time + m);
        using var state = mixer.CreateState(batch, ScalarType.Float64);
        var positions = new long[batch];
        for (int round = 0; positions.Min() < time; round++)
        {
            // Each row's m candidates are its own next tokens, so every candidate's output is the reference's.
            var index = tensor(Enumerable.Range(0, (int)batch).SelectMany(b => Enumerable.Range(0, (int)m).Select(j => positions[b] + j)).ToArray(), [batch, 1, m, 1]);
            Tensor Take(Tensor x) => x.gather(2, index.expand(batch, x.shape[1], m, x.shape[3]));
            var result = mixer.Verify(Take(q), Take(k), Take(v), state);
            Forms.MaxAbsDiff(result.Output, Take(expected)).Should().BeLessThan(Tolerance, $"round {round}, positions {string.Join(",", positions)}");
            // Counts 0..m that differ by row and by round, so rows drift apart and cross group boundaries unevenly.
            // Rows that reach the end accept nothing more.
            var accepted = Enumerable.Range(0, (int)batch).Select(b => Math.Min((round * 5 + b * 3) % (m + 1), time - positions[b])).ToArray();
            using (result.Pending) mixer.Commit(state, result.Pending, accepted);
            for (int b = 0; b < batch; b++) positions[b] += accepted[b];
            state.Positions.Should().Equal(positions);
        }
    }

    static (AugmentedLinearAttention Mixer, Tensor Q, Tensor K, Tensor V, Tensor Expected) Build(string name, long batch, long time)
    {
        var c = Cases[name];
        var mixer = c.Mixer();
        var (q, k, v) = c.Inputs(batch, time);
        return (mixer, q, k, v, c.Reference(mixer, q, k, v));
    }
}
