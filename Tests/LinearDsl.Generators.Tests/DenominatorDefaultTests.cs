using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Generators.Tests;

/// <summary>A plain feature map divides by phi(q) . z unless told otherwise, in the DSL as at run time.</summary>
public sealed class DenominatorDefaultTests
{
    const string Head = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n";

    [Fact]
    public void The_attribute_and_the_runtime_options_have_the_same_default()
        => new LinearAttentionAttribute().Denominator.Should().Be(new LinearAttentionOptions().Denominator).And.BeTrue();

    [Theory]
    [InlineData("FeatureMap = LinearFeatureMap.Relu", "Denominator = true")]
    [InlineData("FeatureMap = LinearFeatureMap.Performer", "Denominator = true")]
    [InlineData("FeatureMap = LinearFeatureMap.EluPlusOne, Denominator = false", "Denominator = false")]
    public void A_plain_map_without_the_setting_gets_the_denominator(string arguments, string emitted)
    {
        var (run, _) = GeneratorHarness.Run(Head + $"[LinearAttention(Heads = 2, {arguments})]\npublic partial class M;");
        run.Diagnostics.Should().BeEmpty();
        run.GeneratedSources.Single().SourceText.ToString().Should().Contain(emitted);
    }

    [Theory]
    [InlineData("")]
    [InlineData(", Denominator = false")]
    public void The_L2_map_needs_no_setting_to_go_without_one(string arguments)
    {
        var (run, _) = GeneratorHarness.Run(Head + $"[LinearAttention(Heads = 2{arguments})]\npublic partial class M;");
        run.Diagnostics.Should().BeEmpty();
    }
}
