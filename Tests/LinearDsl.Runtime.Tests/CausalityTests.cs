using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests;

/// <summary>Changing token t leaves every earlier output bit-identical, in every form of every mixer.</summary>
public sealed class CausalityTests
{
    [Theory]
    [MemberData(nameof(MixerCatalog.Names), MemberType = typeof(MixerCatalog))]
    public void Every_form_is_causal(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 2, time: 14);
        foreach (long position in new long[] { 1, 5, 8, 13 })
        {
            var findings = MixerCausalityProbe.Check(mixer, q, k, v, position);
            findings.Select(f => f.Form).Should().Equal("parallel", "step", "verify");
            findings.Should().OnlyContain(f => f.Causal, $"token {position} must not reach earlier outputs");
        }
    }

    /// <summary>Deliberately non-causal mixers, built through their public options (docs/method.md, "The paper's mistakes" and "Causality").</summary>
    static TokenMixer Leaky(string leak)
    {
        var geometry = new MixerGeometry(2, 6, 2);
        var aug = new AugmentedLinearAttentionOptions { GroupSize = MixerCatalog.GroupSize, ConvTaps = 3 };
        TokenMixer mixer = leak switch
        {
            "InclusiveGlobalPrefix" => new AugmentedLinearAttention(geometry, aug with { InclusiveGlobalPrefix = true }),
            "ConvPaddingCentered" => new AugmentedLinearAttention(geometry, aug with { ConvPadding = ConvPadding.Centered }),
            "ConvPaddingRight" => new AugmentedLinearAttention(geometry, aug with { ConvPadding = ConvPadding.Right }),
            "CausalLocalOff" => new AugmentedLinearAttention(geometry, aug with { CausalLocal = false }),
            "Bidirectional" => new SoftmaxAttention(geometry, initialCapacity: 16, bidirectional: true),
            _ => throw new ArgumentOutOfRangeException(nameof(leak), leak, null),
        };
        mixer.to(ScalarType.Float64);
        MixerCatalog.Randomize(mixer, seed: 3);
        return mixer;
    }

    [Theory]
    [InlineData("InclusiveGlobalPrefix", "InclusiveGlobalPrefix = true")]
    [InlineData("ConvPaddingCentered", "ConvPadding = Centered")]
    [InlineData("ConvPaddingRight", "ConvPadding = Right")]
    [InlineData("CausalLocalOff", "CausalLocal = false")]
    [InlineData("Bidirectional", "Bidirectional = true")]
    public void A_leaky_mixer_is_caught_in_its_parallel_form_and_has_no_decoding_forms(string leak, string setting)
    {
        using var scope = NewDisposeScope();
        using var mixer = Leaky(leak);
        mixer.NonCausalSettings.Should().Be(setting);
        var (q, k, v) = MixerCatalog.Inputs("aug", batch: 1, time: 14);
        var findings = MixerCausalityProbe.Check(mixer, q, k, v, position: 6);
        var parallel = findings.Single(f => f.Form == "parallel");
        parallel.Verdict.Should().Be(CausalityVerdict.Leaks);
        parallel.FirstLeak.Should().BeLessThan(6);
        parallel.MaxChange.Should().BeGreaterThan(0);
        findings.Where(f => f.Form != "parallel").Should().OnlyContain(f => f.Verdict == CausalityVerdict.Refused);
        FluentActions.Invoking(() => mixer.CreateState(1, ScalarType.Float64)).Should().Throw<NotSupportedException>()
            .WithMessage($"*built with {setting}*only its parallel form*remove the setting*");
    }

    [Fact]
    public void A_non_causal_setting_whose_part_is_off_leaks_nothing()
    {
        using var scope = NewDisposeScope();
        var geometry = new MixerGeometry(2, 6, 2);
        var inert = new AugmentedLinearAttentionOptions
        {
            GroupSize = MixerCatalog.GroupSize,
            ConvTaps = 1,
            ConvPadding = ConvPadding.Right,
            Global = false,
            InclusiveGlobalPrefix = true,
        };
        using var mixer = new AugmentedLinearAttention(geometry, inert);
        mixer.to(ScalarType.Float64);
        MixerCatalog.Randomize(mixer, seed: 3);
        mixer.NonCausalSettings.Should().BeNull("a one-tap conv has no taps to shift and the global term is off");
        var (q, k, v) = MixerCatalog.Inputs("aug", batch: 1, time: 10);
        MixerCausalityProbe.Check(mixer, q, k, v, position: 5).Should().OnlyContain(f => f.Causal);
    }

    [Fact]
    public void The_probe_rejects_a_position_with_nothing_before_it()
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create("aug");
        var (q, k, v) = MixerCatalog.Inputs("aug", batch: 1, time: 4);
        var act = () => MixerCausalityProbe.Check(mixer, q, k, v, position: 0);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*choose 1..3*");
    }
}
