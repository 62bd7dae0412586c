using LinearDsl.Generators.Tests.Leaky;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The leaky declarations of LeakyModels.cs, generated and run: the generated config carries each non-causal setting,
/// and CausalityProbe catches every one (Forward leaks; Step and Verify refuse). The analyzer tests flag the same text.
/// </summary>
public sealed class LeakyModelTests
{
    static CausalLanguageModel Create(string name) => name switch
    {
        nameof(LeakyCenteredConv) => LeakyCenteredConv.Create(1, ScalarType.Float64),
        nameof(LeakyGroups) => LeakyGroups.Create(1, ScalarType.Float64),
        nameof(LeakyBidirectional) => LeakyBidirectional.Create(1, ScalarType.Float64),
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public void The_generated_configs_carry_the_non_causal_settings()
    {
        LeakyCenteredConv.Config.Mixer.Augmented!.ConvPadding.Should().Be(ConvPadding.Centered);
        LeakyGroups.Config.Mixer.Augmented!.NonCausalSettings.Should().Be("CausalLocal = false, InclusiveGlobalPrefix = true");
        LeakyBidirectional.Config.MixerFor(0).Bidirectional.Should().BeTrue();
        LeakyBidirectional.Config.MixerFor(1).Bidirectional.Should().BeFalse();
        var back = ModelConfigJson.Deserialize(ModelConfigJson.Serialize(LeakyGroups.Config));
        back.Should().Be(LeakyGroups.Config);
    }

    [Theory]
    [InlineData(nameof(LeakyCenteredConv), "ConvPadding = Centered")]
    [InlineData(nameof(LeakyGroups), "CausalLocal = false, InclusiveGlobalPrefix = true")]
    [InlineData(nameof(LeakyBidirectional), "Bidirectional = true")]
    public void The_probe_catches_the_leak_in_Forward_and_the_decoding_forms_refuse(string name, string settings)
    {
        using var scope = NewDisposeScope();
        using var model = Create(name);
        // Alpha and the conv kernel start at zero, which would hide a leak through them until training moves them.
        GeneratedModelTests.RandomizeMixers(model);
        var report = CausalityProbe.Check(model, length: 12, position: 6);
        report.IsCausal.Should().BeFalse();
        report.Leaks.Should().BeTrue();
        report["forward"].Verdict.Should().Be(CausalityVerdict.Leaks, report.ToString());
        report["forward"].FirstLeak.Should().BeLessThan(6);
        foreach (var form in new[] { "step", "verify" })
        {
            report[form].Verdict.Should().Be(CausalityVerdict.Refused);
            report[form].Refusal.Should().Contain(settings);
        }
    }

    [Theory]
    [MemberData(nameof(GeneratedModelTests.Declared), MemberType = typeof(GeneratedModelTests))]
    public void The_probe_finds_every_declared_model_causal_in_every_form(string name)
    {
        using var scope = NewDisposeScope();
        using var model = GeneratedModelTests.CreateDeclared(name);
        GeneratedModelTests.RandomizeMixers(model);
        var report = CausalityProbe.Check(model, length: 12, position: 7);
        report.IsCausal.Should().BeTrue(report.ToString());
        report.Findings.Select(f => f.Form).Should().Equal("forward", "step", "verify");
    }
}
