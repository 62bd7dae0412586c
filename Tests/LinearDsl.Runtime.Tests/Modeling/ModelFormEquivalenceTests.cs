using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>
/// At model level, Forward, a Step loop and Prefill + Verify/Commit agree within 1e-9 in float64 for every
/// configuration of <see cref="ModelCatalog"/>, including batch 3 with rows that accept different counts.
/// </summary>
public sealed class ModelFormEquivalenceTests
{
    const double Tolerance = 1e-9;

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Step_loop_matches_forward(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        var tokens = ModelCatalog.Tokens(batch: 3, time: 13);
        var expected = model.Forward(tokens);
        expected.shape.Should().Equal(3, 13, ModelCatalog.VocabSize);
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1, "logits of order one make the tolerance meaningful");
        Forms.MaxAbsDiff(ModelForms.StepLoop(model, tokens), expected).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Prefill_and_verified_blocks_match_forward(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 19, seed: 2);
        var expected = model.Forward(tokens);
        foreach (long m in new long[] { 1, 3, 6 })
        {
            // Prefixes start the blocks at different offsets inside a group of 4; m = 6 crosses group boundaries.
            foreach (long prefix in new long[] { 0, 1, 5 })
            {
                var actual = ModelForms.PrefillThenVerify(model, tokens, prefix, m);
                Forms.MaxAbsDiff(actual, expected).Should().BeLessThan(Tolerance, $"m = {m}, prefix = {prefix}");
            }
        }
        using var state = model.CreateState(2);
        Forms.MaxAbsDiff(model.Prefill(tokens, state), expected).Should().BeLessThan(Tolerance, "one prefill of the whole sequence");
        state.Positions.Should().Equal(19, 19);
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Rows_that_accept_different_counts_stay_exact(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        const long batch = 3, time = 40, m = 5;
        var tokens = ModelCatalog.Tokens(batch, time, seed: 5);
        var expected = model.Forward(tokens);
        using var state = model.CreateState(batch);
        model.Prefill(tokens.narrow(1, 0, 2), state);
        var random = new Random(11);
        int rounds = 0;
        while (state.Positions.Max() + m + 5 <= time && rounds++ < 40)
        {
            var positions = state.Positions.ToArray();
            var (logits, pending) = model.Verify(ModelForms.Take(tokens, positions, m), state);
            using (pending)
            {
                for (int b = 0; b < batch; b++)
                    Forms.MaxAbsDiff(logits[b], expected[b].narrow(0, positions[b], m)).Should().BeLessThan(Tolerance, $"row {b} at {positions[b]}");
                var accepted = positions.Select(_ => (long)random.Next(0, (int)m + 1)).ToArray();
                model.Commit(state, pending, accepted);
                state.Positions.Should().Equal(positions.Zip(accepted, (p, a) => p + a));
            }
        }
        state.Positions.Distinct().Count().Should().BeGreaterThan(1, "the rows must end at different positions");

        // Steps and a prefill from uneven positions stay exact too (the loop above left room for 5 tokens).
        for (int step = 0; step < 3; step++)
        {
            var positions = state.Positions.ToArray();
            var logits = model.Step(ModelForms.Take(tokens, positions, 1), state);
            for (int b = 0; b < batch; b++)
                Forms.MaxAbsDiff(logits[b], expected[b].narrow(0, positions[b], 1)).Should().BeLessThan(Tolerance);
        }
        var before = state.Positions.ToArray();
        var prefilled = model.Prefill(ModelForms.Take(tokens, before, 2), state);
        for (int b = 0; b < batch; b++)
            Forms.MaxAbsDiff(prefilled[b], expected[b].narrow(0, before[b], 2)).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Verify_leaves_the_state_untouched(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 12, seed: 3);
        using var state = model.CreateState(2);
        model.Prefill(tokens.narrow(1, 0, 5), state);
        var before = state.Layers.Select(layer => layer.Tensors.ToDictionary(p => p.Key, p => p.Value.clone())).ToArray();
        var positions = state.Positions.ToArray();
        long version = state.Version;

        var (_, pending) = model.Verify(tokens.narrow(1, 5, 7), state);
        pending.Dispose();

        state.Positions.Should().Equal(positions);
        state.Version.Should().Be(version);
        for (int i = 0; i < before.Length; i++)
        {
            foreach (var (key, tensor) in state.Layers[i].Tensors)
                ModelForms.BitIdentical(tensor, before[i][key]).Should().BeTrue($"layer {i} state tensor '{key}' must not change");
        }
    }

    [Fact]
    public void A_hybrid_model_has_its_own_mixer_per_layer()
    {
        using var model = ModelCatalog.Create("hybrid");
        model.Layers.Select(layer => layer.Attention.Mixer.GetType().Name)
            .Should().Equal("SoftmaxAttention", "AugmentedLinearAttention", "AugmentedLinearAttention");
        using var state = model.CreateState(1);
        state.Layers.Select(layer => layer.GetType().Name).Should().Equal("KvCacheState", "AugmentedLinearState", "AugmentedLinearState");
    }
}
