using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// Parallel, Step and Verify + Commit agree within 1e-9 in float64 (docs/method.md, "Three forms of one function") for every mixer in
/// <see cref="MixerCatalog"/>: N not a multiple of G, blocks that cross one and two group boundaries, m = 1..8,
/// batch 3 with rows that accept different counts, and GQA.
/// </summary>
public sealed class FormEquivalenceTests
{
    const double Tolerance = 1e-9;

    [Theory]
    [MemberData(nameof(MixerCatalog.Names), MemberType = typeof(MixerCatalog))]
    public void Step_loop_matches_parallel(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 3, time: 13);
        var expected = mixer.Parallel(q, k, v);
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(Tolerance, "with autograd on (generic ops)");
        using (no_grad())
        {
            // Under inference the augmented mixer runs its fused CPU kernel.
            Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(Tolerance, "under no_grad (fused step)");
        }
    }

    [Theory]
    [MemberData(nameof(MixerCatalog.Names), MemberType = typeof(MixerCatalog))]
    public void Verify_and_commit_match_parallel_for_every_block_length(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 3, time: 30);
        var expected = mixer.Parallel(q, k, v);
        foreach (bool inference in new[] { false, true })
        {
            // Under no_grad the augmented mixer verifies with its fused CPU kernel.
            using var mode = inference ? no_grad() : null;
            for (long m = 1; m <= 8; m++)
            {
                // Prefixes 0..G-1 start the block at every offset inside a group; m up to 8 crosses two boundaries.
                foreach (long prefix in new long[] { 0, 1, 3, 6 })
                {
                    var actual = Forms.PrefillThenVerify(mixer, q, k, v, prefix, m);
                    Forms.MaxAbsDiff(actual, expected).Should().BeLessThan(Tolerance, $"m = {m}, prefix = {prefix}, inference = {inference}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(MixerCatalog.Names), MemberType = typeof(MixerCatalog))]
    public void Rows_that_accept_different_counts_stay_exact(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        const long batch = 3, time = 40, m = 6;
        var (q, k, v) = MixerCatalog.Inputs(name, batch, time, seed: 5);
        var expected = mixer.Parallel(q, k, v);
        using var state = mixer.CreateState(batch, ScalarType.Float64);
        mixer.Prefill(q.narrow(2, 0, 2), k.narrow(2, 0, 2), v.narrow(2, 0, 2), state);
        var random = new Random(11);
        int rounds = 0;
        while (state.Positions.Max() + m <= time && rounds++ < 40)
        {
            // Alternate the generic ops and (under no_grad) the fused kernel from round to round.
            using var mode = rounds % 2 == 0 ? no_grad() : null;
            var positions = state.Positions.ToArray();
            var result = mixer.Verify(Take(q, positions, m), Take(k, positions, m), Take(v, positions, m), state);
            using (result.Pending)
            {
                var accepted = positions.Select(_ => (long)random.Next(0, (int)m + 1)).ToArray();
                for (int b = 0; b < batch; b++)
                {
                    var want = expected[b].narrow(1, positions[b], m);
                    Forms.MaxAbsDiff(result.Output[b], want).Should().BeLessThan(Tolerance, $"row {b} at {positions[b]}");
                }
                mixer.Commit(state, result.Pending, accepted);
            }
        }
        state.Positions.Distinct().Count().Should().BeGreaterThan(1, "the rows must end at different positions");

        // Steps from uneven positions stay exact too, with the generic ops and (under no_grad) the fused kernel.
        for (int step = 0; step < 6 && state.Positions.Max() < time; step++)
        {
            using var mode = step % 2 == 0 ? no_grad() : null;
            var positions = state.Positions.ToArray();
            var output = mixer.Step(Take(q, positions, 1), Take(k, positions, 1), Take(v, positions, 1), state);
            for (int b = 0; b < batch; b++)
                Forms.MaxAbsDiff(output[b], expected[b].narrow(1, positions[b], 1)).Should().BeLessThan(Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(MixerCatalog.Names), MemberType = typeof(MixerCatalog))]
    public void Verify_leaves_the_state_untouched(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 2, time: 12);
        using var state = mixer.CreateState(2, ScalarType.Float64);
        mixer.Prefill(q.narrow(2, 0, 5), k.narrow(2, 0, 5), v.narrow(2, 0, 5), state);
        var before = state.Tensors.ToDictionary(p => p.Key, p => p.Value.clone());
        var positions = state.Positions.ToArray();
        long version = state.Version;

        var result = mixer.Verify(q.narrow(2, 5, 7), k.narrow(2, 5, 7), v.narrow(2, 5, 7), state);
        result.Pending.Dispose();
        using (no_grad())
        {
            var fused = mixer.Verify(q.narrow(2, 5, 7), k.narrow(2, 5, 7), v.narrow(2, 5, 7), state);
            fused.Pending.Dispose();
        }

        state.Positions.Should().Equal(positions);
        state.Version.Should().Be(version);
        state.Tensors.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (key, tensor) in state.Tensors)
            tensor.equal(before[key]).all().item<bool>().Should().BeTrue($"state tensor '{key}' must not change");
    }

    [Theory]
    [MemberData(nameof(MixerCatalog.Names), MemberType = typeof(MixerCatalog))]
    public void Commit_of_j_leaves_the_state_of_j_steps(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        const long m = 7;
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 3, time: 5 + m);
        for (long j = 0; j <= m; j++)
        {
            // Odd j verify with the fused kernel (no_grad), even j with the generic ops.
            using var mode = j % 2 == 1 ? no_grad() : null;
            using var committed = mixer.CreateState(3, ScalarType.Float64);
            using var stepped = mixer.CreateState(3, ScalarType.Float64);
            foreach (var s in new[] { committed, stepped })
                mixer.Prefill(q.narrow(2, 0, 5), k.narrow(2, 0, 5), v.narrow(2, 0, 5), s);

            var result = mixer.Verify(q.narrow(2, 5, m), k.narrow(2, 5, m), v.narrow(2, 5, m), committed);
            using (result.Pending) mixer.Commit(committed, result.Pending, [j, j, j]);
            for (long t = 5; t < 5 + j; t++)
                mixer.Step(q.narrow(2, t, 1), k.narrow(2, t, 1), v.narrow(2, t, 1), stepped);

            committed.Positions.Should().Equal(stepped.Positions);
            foreach (var (key, tensor) in stepped.Tensors)
            {
                var other = committed.Tensors[key];
                long common = Math.Min(other.shape[2], tensor.shape[2]);
                Forms.MaxAbsDiff(other.narrow(2, 0, common), tensor.narrow(2, 0, common)).Should().BeLessThan(1e-12, $"'{key}' after accepting {j}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(MixerCatalog.Names), MemberType = typeof(MixerCatalog))]
    public void Prefill_in_pieces_matches_parallel(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 2, time: 29);
        using var state = mixer.CreateState(2, ScalarType.Float64);
        var parts = new List<Tensor>();
        long start = 0;
        // Pieces that start inside a group (the fast path first verifies up to the boundary) and on one.
        foreach (long length in new long[] { 5, 7, 1, 3, 13 })
        {
            parts.Add(mixer.Prefill(q.narrow(2, start, length), k.narrow(2, start, length), v.narrow(2, start, length), state));
            start += length;
        }
        Forms.MaxAbsDiff(cat(parts, 2), mixer.Parallel(q, k, v)).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [InlineData("aug")]
    [InlineData("linear-hedgehog-den")]
    [InlineData("softmax-rope-gqa")]
    public void A_long_prefill_runs_in_blocks_and_stays_exact(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 1, time: 2500);
        using var state = mixer.CreateState(1, ScalarType.Float64);
        var prefilled = mixer.Prefill(q.narrow(2, 0, 2490), k.narrow(2, 0, 2490), v.narrow(2, 0, 2490), state);
        var stepped = Forms.StepLoop(mixer, q.narrow(2, 2490, 10), k.narrow(2, 2490, 10), v.narrow(2, 2490, 10), state);
        Forms.MaxAbsDiff(cat(new[] { prefilled, stepped }, 2), mixer.Parallel(q, k, v)).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void Verify_crosses_two_group_boundaries_exactly()
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create("aug");
        var (q, k, v) = MixerCatalog.Inputs("aug", batch: 1, time: 13);
        // Committed 7 tokens (3 in the open group of 4), candidates at 7..12 close groups at 8 and 12.
        var actual = Forms.PrefillThenVerify(mixer, q, k, v, 7, 6);
        Forms.MaxAbsDiff(actual, mixer.Parallel(q, k, v)).Should().BeLessThan(Tolerance);
    }

    /// <summary>Row b's tokens at positions[b] .. positions[b] + count - 1.</summary>
    static Tensor Take(Tensor x, long[] positions, long count)
        => cat(positions.Select((p, b) => x[b].narrow(1, p, count).unsqueeze(0)).ToArray(), 0);
}
