using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>Bad settings fail when the host starts, with every problem named at once.</summary>
public sealed class OptionsValidationTests
{
    static IReadOnlyList<string> Failures(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        register(services);
        using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();
        return act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
    }

    [Fact]
    public async Task A_draft_with_another_vocabulary_stops_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["LinearDsl:Tokenizer"] = "byte-eot" });
        builder.Services.AddLinearDsl(builder.Configuration)
            .UseTargetModel(_ => HostingModels.Target())
            .UseDraftModel(_ => HostingModels.Draft(vocab: 300));
        using var host = builder.Build();

        var failure = await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>();
        failure.Which.Failures.Should().ContainSingle().Which.Should()
            .Be("The draft's vocabulary (300 tokens) differs from the target's (257 tokens); a draft must share its target's vocabulary and tokenizer.");
    }

    [Fact]
    public void Speculation_without_a_draft_is_refused()
    {
        Failures(s => s.AddLinearDsl(_ => HostingModels.Target(), configure: o => o.Speculation.Enabled = true))
            .Should().ContainSingle().Which.Should().StartWith("LinearDsl:Speculation:Enabled is true but no draft model is configured;");
    }

    [Fact]
    public void Every_number_out_of_range_is_reported_at_once()
    {
        var failures = Failures(s => s.AddLinearDsl(_ => HostingModels.Target(), configure: o =>
        {
            o.Speculation.DraftTokens = 0;
            o.Speculation.MaxDraftTokens = 1000;
            o.Generation.MaxNewTokens = 0;
            o.Generation.Temperature = -1;
            o.Generation.TopK = -2;
            o.Generation.TopP = 1.5;
            o.Generation.StopSequences = ["ok", ""];
        }));
        failures.Should().BeEquivalentTo(
        [
            "LinearDsl:Speculation:MaxDraftTokens must lie in [MinDraftTokens (1), 64], got 1000.",
            "LinearDsl:Speculation:DraftTokens must lie in [MinDraftTokens, MaxDraftTokens] = [1, 1000], got 0.",
            "LinearDsl:Generation:MaxNewTokens must be at least 1, got 0.",
            "LinearDsl:Generation:Temperature must be finite and at least 0 (0 is greedy), got -1.",
            "LinearDsl:Generation:TopK must be at least 0 (0 keeps every token), got -2.",
            "LinearDsl:Generation:TopP must be in (0, 1] (1 keeps every token), got 1.5.",
            "LinearDsl:Generation:StopSequences must not contain empty entries.",
        ]);
    }

    [Fact]
    public void A_tokenizer_must_be_known_and_fit_the_model()
    {
        Failures(s => s.AddLinearDsl(_ => HostingModels.Target(), configure: o => o.Tokenizer = "gpt2")).Should().ContainSingle().Which.Should()
            .StartWith("The tokenizer 'gpt2' has 50257 token ids but the target model's vocabulary has only 257;");
        Failures(s => s.AddLinearDsl(_ => HostingModels.Target(), configure: o => o.Tokenizer = "bpe")).Should().ContainSingle().Which.Should()
            .Be("LinearDsl:Tokenizer 'bpe' is not a known tokenizer; use one of: byte, byte-eot, gpt2.");
    }

    [Fact]
    public void A_target_is_required_once_and_checkpoint_directories_must_be_complete()
    {
        Failures(s => s.AddLinearDsl(o => { })).Should().ContainSingle().Which.Should().StartWith("No target model: set LinearDsl:Target:CheckpointDirectory");

        using var directory = new TemporaryDirectory();
        Directory.CreateDirectory(directory.Sub("half"));
        File.WriteAllText(Path.Combine(directory.Sub("half"), Checkpoint.ConfigFileName), "{}");
        Failures(s => s.AddLinearDsl(o =>
        {
            o.Target.CheckpointDirectory = directory.Sub("half");
            o.Target.DType = "int8";
            o.Draft.CheckpointDirectory = directory.Sub("missing");
        })).Should().BeEquivalentTo(
        [
            $"LinearDsl:Target:DType 'int8' is not known; use one of: float32, float64, float16, bfloat16 (or leave it out to keep the stored type).",
            $"LinearDsl:Target:CheckpointDirectory '{directory.Sub("half")}' has no model.safetensors; a checkpoint directory holds config.json and model.safetensors, as Checkpoint.Save writes them.",
            $"LinearDsl:Draft:CheckpointDirectory '{directory.Sub("missing")}' does not exist (resolved to '{directory.Sub("missing")}').",
        ]);

        Failures(s => s.AddLinearDsl(o => o.Target.CheckpointDirectory = directory.Path).UseTargetModel(_ => HostingModels.Target()))
            .Should().ContainSingle().Which.Should().StartWith("The target model is given twice:");
    }

    [Fact]
    public void Checkpoint_vocabularies_are_compared_from_their_config_files()
    {
        using var directory = new TemporaryDirectory();
        using (var target = HostingModels.Target()) Checkpoint.Save(target, directory.Sub("target"));
        using (var draft = HostingModels.Draft(vocab: 256)) Checkpoint.Save(draft, directory.Sub("draft"));
        var services = new ServiceCollection();
        services.AddLinearDsl(o =>
        {
            o.Target.CheckpointDirectory = directory.Sub("target");
            o.Draft.CheckpointDirectory = directory.Sub("draft");
        });
        using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<IChatClient>()).Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Equal("The draft's vocabulary (256 tokens) differs from the target's (257 tokens); a draft must share its target's vocabulary and tokenizer.");
    }

    [Fact]
    public void A_failing_model_factory_is_reported_as_a_problem()
    {
        Failures(s => s.AddLinearDsl(_ => throw new InvalidDataException("weights are corrupt")))
            .Should().ContainSingle().Which.Should().Be("Creating the target model from its factory failed: weights are corrupt");
    }
}
