using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// The decode program built from a config at run time against the composed modules of the same weights, for every
/// configuration of <see cref="ModelCatalog"/> and a GPT-2 layout with attention biases: same logits and the same
/// state within 1e-12 in float64 for rows at different positions, short prefills through the program, float32 at
/// every vector width, no tensors left behind, and attached by ModelFactory.Create and Checkpoint.Load.
/// </summary>
public sealed class ConfigDecodeProgramTests
{
    const double Tolerance = 1e-12;

    /// <summary>GPT-2's layout (learned positions, LayerNorm, GELU, tied head) with biases on the attention projections.</summary>
    const string Gpt2 = "gpt2-attention-bias";

    public static TheoryData<string> Names()
    {
        var data = ModelCatalog.Names();
        data.Add(Gpt2);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_runtime_program_equals_the_composed_modules_for_rows_at_different_positions(string name)
    {
        using var scope = NewDisposeScope();
        using var fused = Create(name);
        using var composed = Create(name);
        fused.DecodeProgram.Should().BeOfType<ConfigDecodeProgram>("ModelFactory.Create attaches the program when no generated one is registered");
        composed.UseDecodeProgram(null);

        var tokens = ModelCatalog.Tokens(batch: 3, time: 24, seed: 4);
        using var fusedState = fused.CreateState(3);
        using var composedState = composed.CreateState(3);
        // Rows end up at positions 6, 4 and 2 (prefill 2, then accept 4, 2 and 0 of 4 candidates).
        var verified = new List<Tensor>();
        foreach (var (model, state) in new[] { (fused, fusedState), (composed, composedState) })
        {
            model.Prefill(tokens.narrow(1, 0, 2), state);
            var (logits, pending) = model.Verify(tokens.narrow(1, 2, 4), state);
            using (pending) model.Commit(state, pending, [4, 2, 0]);
            verified.Add(logits);
        }
        verified[1].abs().max().item<double>().Should().BeGreaterThan(0.1, "logits of order one make the tolerance meaningful");
        Forms.MaxAbsDiff(verified[0], verified[1]).Should().BeLessThan(Tolerance, "logits of the verified candidates");
        StatesAgree(fusedState, composedState, "after the verification");
        var statistics = DisposeScopeManager.Statistics;
        long fusedTensors = 0, composedTensors = 0;
        for (int t = 6; t < 24; t++)
        {
            var token = tokens.narrow(1, t, 1);
            long start = statistics.CreatedInScopeCount;
            var expected = composed.Step(token, composedState);
            long middle = statistics.CreatedInScopeCount;
            var actual = fused.Step(token, fusedState);
            composedTensors += middle - start;
            fusedTensors += statistics.CreatedInScopeCount - middle;
            Forms.MaxAbsDiff(actual, expected).Should().BeLessThan(Tolerance, $"logits of step {t}");
        }
        // The program really ran: fewer tensors than the modules (softmax and linear layers step through their tensor form).
        fusedTensors.Should().BeLessThan(composedTensors);
        StatesAgree(fusedState, composedState, "after the steps");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_short_prefill_runs_through_the_runtime_program_and_equals_the_composed_modules(string name)
    {
        using var scope = NewDisposeScope();
        using var fused = Create(name);
        using var composed = Create(name);
        composed.UseDecodeProgram(null);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 24, seed: 6);
        foreach (int length in new[] { 1, 3, 11, 23 })    // within a group of 4 and across groups
        {
            using var fusedState = fused.CreateState(2);
            using var composedState = composed.CreateState(2);
            var expected = composed.Prefill(tokens.narrow(1, 0, length), composedState);
            var actual = fused.Prefill(tokens.narrow(1, 0, length), fusedState);
            Forms.MaxAbsDiff(actual, expected).Should().BeLessThan(Tolerance, $"prefill logits of {length} tokens");
            StatesAgree(fusedState, composedState, $"after {length} tokens");
            var next = tokens.narrow(1, length, 1);
            Forms.MaxAbsDiff(fused.Step(next, fusedState), composed.Step(next, composedState)).Should().BeLessThan(Tolerance, $"the step after {length} tokens");
        }
    }

    public static TheoryData<VectorWidth, string> WidthCases()
    {
        var data = new TheoryData<VectorWidth, string>();
        foreach (var width in KernelWidths.Available())
            foreach (var name in new[] { "hybrid", "gqa", Gpt2 }) data.Add(width, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(WidthCases))]
    public void The_runtime_program_runs_in_float32_at_every_width(VectorWidth width, string name)
    {
        using var forced = FusedIsa.Force(width);
        using var scope = NewDisposeScope();
        using var fused = Create(name);
        using var composed = Create(name);
        fused.to(ScalarType.Float32);
        composed.to(ScalarType.Float32);
        composed.UseDecodeProgram(null);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 12, seed: 8);
        using var fusedState = fused.CreateState(2);
        using var composedState = composed.CreateState(2);
        for (int t = 0; t < 12; t++)
        {
            var expected = composed.Step(tokens.narrow(1, t, 1), composedState);
            var actual = fused.Step(tokens.narrow(1, t, 1), fusedState);
            actual.dtype.Should().Be(ScalarType.Float32);
            Forms.MaxAbsDiff(actual, expected).Should().BeLessThan(1e-4, $"step {t}");
        }
    }

    [Fact]
    public void A_decode_loop_through_the_runtime_program_keeps_the_live_tensor_count()
    {
        using var model = ModelFactory.Create(ModelCatalog.Config("hybrid"), seed: 3);
        model.DecodeProgram.Should().BeOfType<ConfigDecodeProgram>();
        using var state = model.CreateState(1);
        using var token = tensor(new long[] { 7 }, [1, 1]);
        model.Step(token, state).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 300; i++) model.Step(token, state).Dispose();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        state.Positions[0].Should().Be(301);
    }

    [Fact]
    public void Checkpoint_load_attaches_the_runtime_program_to_any_config()
    {
        var directory = Directory.CreateTempSubdirectory("lineardsl-config-program-").FullName;
        try
        {
            var config = ModelCatalog.Config("learned-layernorm-gelu") with { AttentionBias = true };
            using (var model = ModelFactory.Create(config, seed: 4)) Checkpoint.Save(model, directory);
            using var loaded = Checkpoint.Load(directory);
            loaded.DecodeProgram.Should().BeOfType<ConfigDecodeProgram>().Which.Fits(config).Should().BeTrue();
            DecodePrograms.Find(config).Should().BeNull("no declaration has this architecture");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    static CausalLanguageModel Create(string name)
    {
        if (name != Gpt2) return ModelCatalog.Create(name);
        var config = ModelCatalog.Config("learned-layernorm-gelu") with { AttentionBias = true, TieEmbeddings = true };
        var model = ModelFactory.Create(config, dtype: ScalarType.Float64);
        ModelCatalog.Randomize(model, seed: 11);
        return model;
    }

    /// <summary>Same positions and every state tensor of every layer within the tolerance.</summary>
    static void StatesAgree(ModelState fused, ModelState composed, string when)
    {
        fused.Positions.Should().Equal(composed.Positions, when);
        for (int layer = 0; layer < fused.Layers.Count; layer++)
            foreach (var (key, value) in composed.Layers[layer].Tensors)
                Forms.MaxAbsDiff(fused.Layers[layer].Tensors[key], value).Should().BeLessThan(Tolerance, $"state {key} of layer {layer} {when}");
    }
}
