using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// Softmax models through the decode program built from their config (their layers attend over the KV cache by
/// <see cref="SoftmaxDecodeKernel"/>) against the composed modules: grouped-query heads with RoPE, and learned
/// positions with LayerNorm and GELU; logits and caches within 1e-12 in float64 for rows at different positions,
/// and a step makes no more tensors than one of an augmented model, whose mixer makes none.
/// </summary>
public sealed class SoftmaxDecodeProgramTests
{
    const double Tolerance = 1e-12;

    public static TheoryData<string> Layouts() => new() { "gqa-rope", "learned" };

    static ModelConfig Config(string layout) => layout switch
    {
        "gqa-rope" => ModelCatalog.Config("softmax") with { Width = 24, Mixer = MixerSpec.Softmax(4, kvHeads: 2) },
        "learned" => ModelCatalog.Config("learned-layernorm-gelu") with { Mixer = MixerSpec.Softmax(2) },
        "augmented" => ModelCatalog.Config("softmax") with { Width = 24, Mixer = MixerSpec.AugmentedLinear(4, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }, kvHeads: 2) },
        _ => throw new ArgumentOutOfRangeException(nameof(layout)),
    };

    static CausalLanguageModel Create(string layout)
    {
        var model = ModelFactory.Create(Config(layout), dtype: ScalarType.Float64);
        ModelCatalog.Randomize(model, seed: 5);
        return model;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void The_program_equals_the_composed_modules_for_rows_at_different_positions(string layout)
    {
        using var scope = NewDisposeScope();
        using var fused = Create(layout);
        using var composed = Create(layout);
        fused.DecodeProgram.Should().BeOfType<ConfigDecodeProgram>();
        composed.UseDecodeProgram(null);
        var tokens = ModelCatalog.Tokens(batch: 3, time: 30, seed: 9);
        using var fusedState = fused.CreateState(3);
        using var composedState = composed.CreateState(3);
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
        for (int t = 6; t < 30; t++)
        {
            var token = tokens.narrow(1, t, 1);
            Forms.MaxAbsDiff(fused.Step(token, fusedState), composed.Step(token, composedState)).Should().BeLessThan(Tolerance, $"logits of step {t}");
        }
        fusedState.Positions.Should().Equal(composedState.Positions);
        for (int layer = 0; layer < fusedState.Layers.Count; layer++)
            foreach (var (key, value) in composedState.Layers[layer].Tensors)
                Forms.MaxAbsDiff(fusedState.Layers[layer].Tensors[key], value).Should().BeLessThan(Tolerance, $"{key} of layer {layer}");
    }

    [Fact]
    public void A_softmax_step_makes_no_more_tensors_than_an_augmented_one()
    {
        long PerStep(string layout)
        {
            using var model = Create(layout);
            using var state = model.CreateState(1);
            using var token = tensor(new long[] { 3 }, [1, 1]);
            for (int i = 0; i < 5; i++) model.Step(token, state).Dispose();
            var statistics = DisposeScopeManager.Statistics;
            long before = statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
            for (int i = 0; i < 20; i++) model.Step(token, state).Dispose();
            return (statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount - before) / 20;
        }
        PerStep("gqa-rope").Should().Be(PerStep("augmented"));
    }
}
