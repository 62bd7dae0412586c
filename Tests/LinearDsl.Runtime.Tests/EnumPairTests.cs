using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests;

/// <summary>One enum per meaning: the DSL's enums are the runtime's, so a declaration and its config say the same thing.</summary>
public sealed class EnumPairTests
{
    [Fact]
    public void No_two_public_enums_of_the_dsl_and_the_runtime_have_the_same_members()
    {
        var enums = new[] { typeof(LinearFeatureMap).Assembly, typeof(TokenMixer).Assembly }
            .SelectMany(a => a.GetExportedTypes()).Where(t => t.IsEnum).ToList();
        var twins = enums.GroupBy(t => string.Join(",", Enum.GetNames(t).Order()))
            .Where(g => g.Count() > 1).Select(g => string.Join(" = ", g.Select(t => t.FullName))).ToList();
        twins.Should().BeEmpty("an enum that repeats another's members means the same thing twice");
    }

    [Fact]
    public void Plain_linear_attention_refuses_the_augmented_map()
    {
        var act = () => new LinearAttentionOptions { FeatureMap = LinearFeatureMap.L2 }.Validate();
        act.Should().Throw<ArgumentException>().WithMessage("LinearAttentionOptions: FeatureMap L2 is not a feature map of plain linear attention*augmented form*");
    }
}
