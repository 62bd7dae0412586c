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

    [Theory]
    [InlineData(nameof(AugmentedLeak.InclusiveGlobalPrefix))]
    [InlineData(nameof(AugmentedLeak.ConvSeesNextToken))]
    public void A_leaky_parallel_form_is_caught(string leakName)
    {
        var leak = Enum.Parse<AugmentedLeak>(leakName);
        using var scope = NewDisposeScope();
        using var mixer = (AugmentedLinearAttention)MixerCatalog.Create("aug");
        mixer.Leak = leak;
        var (q, k, v) = MixerCatalog.Inputs("aug", batch: 1, time: 14);
        var findings = MixerCausalityProbe.Check(mixer, q, k, v, position: 6);
        var parallel = findings.Single(f => f.Form == "parallel");
        parallel.Causal.Should().BeFalse();
        parallel.FirstLeak.Should().BeLessThan(6);
        findings.Where(f => f.Form != "parallel").Should().OnlyContain(f => f.Causal, "only the parallel form was made leaky");
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
