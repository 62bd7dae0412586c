using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Study.Tests.Gated;

/// <summary>The study's "deltanet" variant: declared, level with the softmax reference, exact and causal.</summary>
public sealed class DeltaNetStudyTests
{
    static long Parameters(ModelConfig config)
    {
        using var model = ModelFactory.Create(config, seed: 1);
        return model.parameters().Sum(p => p.numel());
    }

    [Fact]
    public void The_variant_is_deltanet_at_the_reference_parameter_count_within_5_percent()
    {
        var variant = StudyVariants.Find("deltanet");
        variant.Config.Should().Be(StudyDeltaNet.Config);
        variant.Config.Mixer.Options.Should().BeOfType<DeltaNetOptions>();
        (variant.Config with { Mixer = StudySoftmax.Config.Mixer }).Should().Be(StudySoftmax.Config, "only the token mixer differs");
        long reference = Parameters(StudySoftmax.Config), count = Parameters(variant.Config);
        Math.Abs(count - reference).Should().BeLessThanOrEqualTo(reference / 20, $"deltanet has {count} parameters, softmax {reference}");
        StudyVariants.Select("softmax,deltanet").Select(v => v.Key).Should().Equal("softmax", "deltanet");
    }

    [Fact]
    public void Forward_equals_the_step_loop_and_the_probe_finds_it_causal()
    {
        using var scope = torch.NewDisposeScope();
        using var model = ModelFactory.Create(StudyDeltaNet.Config, seed: 1, ScalarType.Float64);
        var tokens = torch.randint(0, 256, [2, 9], dtype: ScalarType.Int64, generator: new torch.Generator(3));
        var expected = model.Forward(tokens);
        using var state = model.CreateState(2);
        var steps = Enumerable.Range(0, 9).Select(t => model.Step(tokens.narrow(1, t, 1), state)).ToArray();
        torch.cat(steps, 1).sub(expected).abs().max().item<double>().Should().BeLessThan(1e-9);
        CausalityProbe.Check(model, tokens.narrow(0, 0, 1), position: 5).IsCausal.Should().BeTrue();
    }
}
