using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>The speculation mode and tree settings in the hosting options: binding, the decoder they make, and their validation.</summary>
public sealed class TreeSpeculationHostingTests
{
    [Fact]
    public void Tree_mode_binds_from_configuration_and_makes_a_tree_decoder()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LinearDsl:Tokenizer"] = "byte-eot",
            ["LinearDsl:Speculation:Mode"] = "Tree",
            ["LinearDsl:Speculation:TreeBranching:0"] = "3",
            ["LinearDsl:Speculation:TreeBranching:1"] = "1",
            ["LinearDsl:Speculation:TreeAcceptance"] = "TypicalInexact",
        }).Build();
        var services = new ServiceCollection();
        services.AddLinearDsl(configuration).UseTargetModel(_ => HostingModels.Target()).UseDraftModel(_ => HostingModels.Draft());
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var decoder = provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<TreeSpeculativeDecoder>().Subject;
        decoder.Options.Mode.Should().Be(SpeculationMode.Tree);
        decoder.Options.TreeBranching.Should().Equal(3, 1);
        decoder.Options.TreeAcceptance.Should().Be(TreeAcceptanceRule.TypicalInexact);
        decoder.Draft.Should().BeSameAs(provider.GetRequiredKeyedService<LinearDsl.Runtime.Modeling.CausalLanguageModel>("draft"));
    }

    [Fact]
    public void Chain_stays_the_default()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), _ => HostingModels.Draft(), o => o.Tokenizer = "byte-eot");
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<SpeculativeDecoder>();
    }

    [Fact]
    public void Heads_mode_needs_no_draft_but_a_target_with_heads()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), configure: o =>
        {
            o.Tokenizer = "byte-eot";
            o.Speculation.Mode = SpeculationMode.Heads;
        });
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        FluentActions.Invoking(() => provider.GetRequiredService<ITokenDecoder>())
            .Should().Throw<ArgumentException>().WithMessage("This target has no Medusa heads*");
    }

    [Fact]
    public void Bad_tree_settings_are_reported_by_name()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), _ => HostingModels.Draft(), o =>
        {
            o.Tokenizer = "byte-eot";
            o.Speculation.Mode = SpeculationMode.Tree;
            o.Speculation.TreeBranching = [2, 0];
            o.Speculation.TreeNodeBudget = 1000;
            o.Speculation.TreeMaxDepth = 0;
        });
        using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().BeEquivalentTo(
        [
            "LinearDsl:Speculation:TreeBranching needs at least one depth and at least one child per node at each depth. Got 2,0.",
            "LinearDsl:Speculation:TreeNodeBudget must lie in [1, 256]. Got 1000.",
            "LinearDsl:Speculation:TreeMaxDepth must lie in [1, 256]. Got 0.",
        ]);
    }
}
