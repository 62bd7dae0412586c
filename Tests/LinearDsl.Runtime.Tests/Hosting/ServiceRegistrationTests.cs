using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>What AddLinearDsl registers, how the options bind, and who owns the models.</summary>
public sealed class ServiceRegistrationTests
{
    [Fact]
    public void Models_are_keyed_singletons_created_once_and_a_draft_makes_the_decoder_speculative()
    {
        int targets = 0, drafts = 0;
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => { targets++; return HostingModels.Target(); }, _ => { drafts++; return HostingModels.Draft(); }, options =>
        {
            options.Tokenizer = "byte-eot";
            options.Speculation.DraftTokens = 3;
            options.Speculation.Adaptive = true;
            options.ModelId = "tiny";
        });
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();

        var target = provider.GetRequiredKeyedService<CausalLanguageModel>(LinearDslServiceKeys.Target);
        var draft = provider.GetRequiredKeyedService<CausalLanguageModel>("draft");
        target.Width.Should().Be(16);
        draft.Width.Should().Be(8);
        var decoder = provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<SpeculativeDecoder>().Subject;
        decoder.Target.Should().BeSameAs(target);
        decoder.Draft.Should().BeSameAs(draft);
        decoder.Options.Should().Be(new SpeculationOptions { DraftTokens = 3, Adaptive = true });
        provider.GetRequiredService<ITextTokenizer>().Name.Should().Be("byte-eot");

        var chat = provider.GetRequiredService<IChatClient>().Should().BeOfType<LinearDslChatClient>().Subject;
        chat.GetService<ChatClientMetadata>()!.DefaultModelId.Should().Be("tiny");
        chat.GetService<ChatClientMetadata>()!.ProviderName.Should().Be("LinearDsl");
        chat.GetService<ITextGenerator>().Should().BeSameAs(provider.GetRequiredService<ITextGenerator>());
        provider.GetRequiredService<IChatClient>().Should().BeSameAs(chat);
        provider.GetRequiredService<ITokenDecoder>().Should().BeSameAs(decoder);
        (targets, drafts).Should().Be((1, 1), "each model is created once, by the validator, and reused");
    }

    [Fact]
    public void Without_a_draft_or_with_speculation_off_the_decoder_is_plain()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), configure: o => o.Tokenizer = "byte");
        using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<PlainDecoder>()
                .Which.Model.Should().BeSameAs(provider.GetRequiredKeyedService<CausalLanguageModel>("target"));
            FluentActions.Invoking(() => provider.GetRequiredKeyedService<CausalLanguageModel>("draft"))
                .Should().Throw<InvalidOperationException>().WithMessage("No draft model is configured*");
        }

        var off = new ServiceCollection();
        off.AddLinearDsl(_ => HostingModels.Target(), _ => HostingModels.Draft(), o => o.Speculation.Enabled = false);
        using var offProvider = off.BuildServiceProvider();
        offProvider.GetRequiredService<ITokenDecoder>().Should().BeOfType<PlainDecoder>();
    }

    [Fact]
    public void Options_bind_from_a_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Models:Tokenizer"] = "byte-eot",
            ["Models:ModelId"] = "from-config",
            ["Models:Speculation:Enabled"] = "true",
            ["Models:Speculation:DraftTokens"] = "2",
            ["Models:Speculation:MaxDraftTokens"] = "5",
            ["Models:Generation:MaxNewTokens"] = "17",
            ["Models:Generation:Temperature"] = "0.25",
            ["Models:Generation:TopK"] = "9",
            ["Models:Generation:Seed"] = "4",
            ["Models:Generation:StopSequences:0"] = "###",
        }).Build();
        var services = new ServiceCollection();
        services.AddLinearDsl(configuration, "Models").UseTargetModel(_ => HostingModels.Target()).UseDraftModel(_ => HostingModels.Draft());
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LinearDslOptions>>().Value;
        options.Tokenizer.Should().Be("byte-eot");
        options.Generation.Should().BeEquivalentTo(new LinearDslGenerationOptions { MaxNewTokens = 17, Temperature = 0.25, TopK = 9, Seed = 4, StopSequences = ["###"] });
        provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<SpeculativeDecoder>()
            .Which.Options.Should().Be(new SpeculationOptions { DraftTokens = 2, MaxDraftTokens = 5 });
        provider.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>()!.DefaultModelId.Should().Be("from-config");
    }

    [Fact]
    public void Checkpoint_directories_load_the_models_in_the_configured_type()
    {
        using var directory = new TemporaryDirectory();
        using (var target = HostingModels.Target()) Checkpoint.Save(target, directory.Sub("target"));
        using (var draft = HostingModels.Draft()) Checkpoint.Save(draft, directory.Sub("draft"));
        var services = new ServiceCollection();
        services.AddLinearDsl(o =>
        {
            o.Tokenizer = "byte-eot";
            o.Target.CheckpointDirectory = directory.Sub("target");
            o.Target.DType = "float32";
            o.Draft.CheckpointDirectory = directory.Sub("draft");
        });
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var decoder = provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<SpeculativeDecoder>().Subject;
        decoder.Target.ParameterDtype.Should().Be(ScalarType.Float32, "the configured type wins");
        decoder.Draft.ParameterDtype.Should().Be(ScalarType.Float64, "without a type the stored one is kept");
        decoder.Target.Config.Should().Be(HostingModels.Config());
    }

    [Fact]
    public void The_container_disposes_the_models_it_created()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), _ => HostingModels.Draft());
        var provider = services.BuildServiceProvider();
        var decoder = (SpeculativeDecoder)provider.GetRequiredService<ITokenDecoder>();
        var targetHead = decoder.Target.OutputHead!.weight!;
        var draftHead = decoder.Draft.OutputHead!.weight!;
        targetHead.IsInvalid.Should().BeFalse();

        provider.Dispose();
        targetHead.IsInvalid.Should().BeTrue("the target's parameters were freed with the container");
        draftHead.IsInvalid.Should().BeTrue("the draft's parameters were freed with the container");
    }

    [Fact]
    public async Task The_target_can_be_its_own_draft_and_is_freed_once()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), sp => sp.GetRequiredKeyedService<CausalLanguageModel>(LinearDslServiceKeys.Target),
            o => o.Tokenizer = "byte-eot");
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        var decoder = provider.GetRequiredService<ITokenDecoder>().Should().BeOfType<SpeculativeDecoder>().Subject;
        decoder.Draft.Should().BeSameAs(decoder.Target);

        var result = await provider.GetRequiredService<ITextGenerator>().GenerateAsync("ab", new TextGenerationRequest { MaxNewTokens = 8, Temperature = 0 });
        result.Statistics.AcceptanceRate.Should().Be(1, "a model always agrees with itself");
        var head = decoder.Target.OutputHead!.weight!;
        FluentActions.Invoking(provider.Dispose).Should().NotThrow("the container disposes the shared instance under both keys");
        head.IsInvalid.Should().BeTrue();
    }

    [Fact]
    public void AddLinearDsl_twice_is_refused()
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(o => { });
        FluentActions.Invoking(() => services.AddLinearDsl(o => { })).Should().Throw<InvalidOperationException>().WithMessage("AddLinearDsl was already called*");
    }
}
