using LinearDsl.Generators.Tests.Declared;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The generated straight-line decode step against the composed modules of the same weights: same logits and the
/// same state, for rows at different positions, in float64 and float32; it is attached by Create and Load and
/// refuses another architecture.
/// </summary>
public sealed class GeneratedDecodeProgramTests
{
    [Theory]
    [MemberData(nameof(GeneratedModelTests.Declared), MemberType = typeof(GeneratedModelTests))]
    public void The_generated_step_equals_the_composed_step_for_rows_at_different_positions(string name)
    {
        using var scope = NewDisposeScope();
        using var generated = GeneratedModelTests.CreateDeclared(name);
        using var composed = GeneratedModelTests.CreateDeclared(name);
        SameWeightsComposedWithoutTheProgram(generated, composed);

        var tokens = randint(0, 48, [3, 24], dtype: ScalarType.Int64, generator: new torch.Generator(5));
        using var generatedState = generated.CreateState(3);
        using var composedState = composed.CreateState(3);
        // Rows end up at positions 6, 4 and 2 (prefill 2, then accept 4, 2 and 0 of 4 candidates).
        var verified = new List<Tensor>();
        foreach (var (model, state) in new[] { (generated, generatedState), (composed, composedState) })
        {
            model.Prefill(tokens.narrow(1, 0, 2), state);
            var (logits, pending) = model.Verify(tokens.narrow(1, 2, 4), state);
            using (pending) model.Commit(state, pending, [4, 2, 0]);
            verified.Add(logits);
        }
        MaxAbsDiff(verified[0], verified[1]).Should().BeLessThan(1e-12, "logits of the verified candidates");
        var statistics = DisposeScopeManager.Statistics;
        long generatedTensors = 0, composedTensors = 0;
        for (int t = 6; t < 24; t++)
        {
            var token = tokens.narrow(1, t, 1);
            long start = statistics.CreatedInScopeCount;
            var expected = composed.Step(token, composedState);
            long middle = statistics.CreatedInScopeCount;
            var actual = generated.Step(token, generatedState);
            composedTensors += middle - start;
            generatedTensors += statistics.CreatedInScopeCount - middle;
            MaxAbsDiff(actual, expected).Should().BeLessThan(1e-12, $"logits of step {t}");
        }
        // The program really ran: it makes fewer tensors than the modules, and with augmented layers only (the
        // managed kernel; other mixers step through their tensor form) a handful per step where they make dozens.
        generatedTensors.Should().BeLessThan(composedTensors);
        if (name is "TinyAugmented" or "TinyGqa" or "TinyDraft") generatedTensors.Should().BeLessThan(composedTensors / 5);
        StatesAgree(generatedState, composedState, "after the steps");
    }

    [Theory]
    [MemberData(nameof(GeneratedModelTests.Declared), MemberType = typeof(GeneratedModelTests))]
    public void A_short_prefill_runs_through_the_program_and_equals_the_parallel_form(string name)
    {
        using var scope = NewDisposeScope();
        using var generated = GeneratedModelTests.CreateDeclared(name);
        using var composed = GeneratedModelTests.CreateDeclared(name);
        SameWeightsComposedWithoutTheProgram(generated, composed);
        var tokens = randint(0, 48, [2, 24], dtype: ScalarType.Int64, generator: new torch.Generator(8));
        var statistics = DisposeScopeManager.Statistics;
        foreach (int length in new[] { 1, 3, 11, 23 })    // one group of 8 or of 4 and less, and across groups
        {
            using var generatedState = generated.CreateState(2);
            using var composedState = composed.CreateState(2);
            long start = statistics.CreatedInScopeCount;
            var expected = composed.Prefill(tokens.narrow(1, 0, length), composedState);
            long middle = statistics.CreatedInScopeCount;
            var actual = generated.Prefill(tokens.narrow(1, 0, length), generatedState);
            long end = statistics.CreatedInScopeCount;

            MaxAbsDiff(actual, expected).Should().BeLessThan(1e-12, $"prefill logits of {length} tokens");
            StatesAgree(generatedState, composedState, $"after {length} tokens");
            var next = tokens.narrow(1, length, 1);
            MaxAbsDiff(generated.Step(next, generatedState), composed.Step(next, composedState)).Should().BeLessThan(1e-12, $"the step after {length} tokens");
            // The program ran: with augmented layers only (the managed kernel) a handful of tensors where the parallel
            // form makes dozens per layer; other mixers verify through their tensor form, which makes about as many.
            if (name is "TinyAugmented" or "TinyGqa" or "TinyDraft") (end - middle).Should().BeLessThan((middle - start) / 5, $"prefill of {length} tokens");
        }
        CausalLanguageModel.FusedPrefillLimit.Should().BeGreaterThanOrEqualTo(23, "the lengths above are within the limit");
    }

    [Fact]
    public void The_generated_step_runs_in_float32()
    {
        using var scope = NewDisposeScope();
        using var generated = TinyHybrid.Create(seed: 2, ScalarType.Float32);
        using var composed = TinyHybrid.Create(seed: 2, ScalarType.Float32);
        composed.UseDecodeProgram(null);
        var tokens = randint(0, 48, [2, 12], dtype: ScalarType.Int64, generator: new torch.Generator(6));
        using var generatedState = generated.CreateState(2);
        using var composedState = composed.CreateState(2);
        for (int t = 0; t < 12; t++)
        {
            var expected = composed.Step(tokens.narrow(1, t, 1), composedState);
            var actual = generated.Step(tokens.narrow(1, t, 1), generatedState);
            actual.dtype.Should().Be(ScalarType.Float32);
            MaxAbsDiff(actual, expected).Should().BeLessThan(1e-4);
        }
    }

    [Fact]
    public void A_decode_loop_through_the_program_keeps_the_live_tensor_count()
    {
        using var model = TinyAugmented.Create(seed: 3, ScalarType.Float32);
        using var state = model.CreateState(1);
        using var token = tensor(new long[] { 7 }, [1, 1]);
        model.Step(token, state).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 300; i++) model.Step(token, state).Dispose();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Prefill_through_the_program_keeps_the_live_tensor_count()
    {
        using var model = TinyAugmented.Create(seed: 3, ScalarType.Float32);
        using var prompt = tensor(new long[] { 7, 8, 9, 10, 11 }, [1, 5]);
        using (var warm = model.CreateState(1)) model.Prefill(prompt, warm).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++)
        {
            using var state = model.CreateState(1);
            model.Prefill(prompt, state).Dispose();
            state.Positions[0].Should().Be(5);
        }
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Load_attaches_the_program_and_another_architecture_is_refused()
    {
        var directory = Directory.CreateTempSubdirectory("lineardsl-program-").FullName;
        try
        {
            using (var model = TinyAugmented.Create(seed: 4)) TinyAugmented.Save(model, directory);
            using var loaded = TinyAugmented.Load(directory);
            loaded.DecodeProgram.Should().BeSameAs(TinyAugmented.DecodeProgram);
            // The module initializer registered it, so loading by config alone finds it too.
            using var byConfig = LinearDsl.Runtime.Checkpoints.Checkpoint.Load(directory);
            byConfig.DecodeProgram.Should().BeSameAs(TinyAugmented.DecodeProgram);
            LinearDsl.Runtime.Fused.DecodePrograms.Find(TinyAugmented.Config with { Layers = 5 }).Should().BeNull("no declaration has that architecture");

            var refusal = () => loaded.UseDecodeProgram(TinyHybrid.DecodeProgram);
            refusal.Should().Throw<ArgumentException>().WithMessage("*different architecture*");
            using var byHand = ModelFactory.Create(TinyAugmented.Config with { }, seed: 1);
            byHand.UseDecodeProgram(TinyAugmented.DecodeProgram);
            byHand.DecodeProgram.Should().BeSameAs(TinyAugmented.DecodeProgram, "a model built from the same config may run the program");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Two models of one declaration and seed get the same randomised mixers; the second runs the composed modules.</summary>
    static void SameWeightsComposedWithoutTheProgram(CausalLanguageModel generated, CausalLanguageModel composed)
    {
        GeneratedModelTests.RandomizeMixers(generated);
        GeneratedModelTests.RandomizeMixers(composed);
        generated.DecodeProgram.Should().NotBeNull("Create attaches the generated program");
        composed.UseDecodeProgram(null);
    }

    /// <summary>Same positions and every state tensor of every layer within 1e-12.</summary>
    static void StatesAgree(ModelState generated, ModelState composed, string when)
    {
        generated.Positions.Should().Equal(composed.Positions, when);
        for (int layer = 0; layer < generated.Layers.Count; layer++)
            foreach (var (key, value) in composed.Layers[layer].Tensors)
                MaxAbsDiff(generated.Layers[layer].Tensors[key], value).Should().BeLessThan(1e-12, $"state {key} of layer {layer} {when}");
    }

    static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.to_type(ScalarType.Float64).sub(b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }
}
