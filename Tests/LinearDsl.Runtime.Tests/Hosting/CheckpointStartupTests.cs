using System.Text.Json.Nodes;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>
/// Checkpoints that cannot be loaded, devices that do not exist and settings that do not parse fail when the host
/// starts, one line each; relative checkpoint directories resolve against the content root; chat options are checked.
/// </summary>
public sealed class CheckpointStartupTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    string SavedTarget(string name)
    {
        string path = _directory.Sub(name);
        using var model = HostingModels.Target();
        Checkpoint.Save(model, path);
        return path;
    }

    static IReadOnlyList<string> Failures(string target, string? device = null, string? contentRoot = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LinearDsl:Tokenizer"] = "byte-eot",
            ["LinearDsl:Target:CheckpointDirectory"] = target,
            ["LinearDsl:Target:Device"] = device,
        });
        builder.Services.AddLinearDsl(builder.Configuration);
        using var host = builder.Build();
        var act = () => host.StartAsync().GetAwaiter().GetResult();
        return act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
    }

    [Fact]
    public void A_truncated_checkpoint_is_one_line_at_start()
    {
        string target = SavedTarget("truncated");
        string weights = Path.Combine(target, Checkpoint.WeightsFileName);
        using (var stream = File.Open(weights, FileMode.Open)) stream.SetLength(stream.Length - 100);

        Failures(target).Should().ContainSingle().Which.Should().Contain("cannot be loaded").And.Contain("truncated").And.NotContain("\n");
    }

    [Fact]
    public void Config_and_weights_that_disagree_are_one_line_at_start()
    {
        string target = SavedTarget("disagree");
        EditConfig(target, json => json["mlp_hidden"] = 40);

        Failures(target).Should().ContainSingle().Which.Should().Contain("cannot be loaded")
            .And.Contain("model.layers.0.mlp.gate_proj.weight: expected [40, 16], found [32, 16]").And.NotContain("\n");
    }

    [Fact]
    public void A_vocabulary_of_two_billion_is_one_line_at_start()
    {
        string target = SavedTarget("huge");
        EditConfig(target, json => json["vocab_size"] = 2_000_000_000);

        Failures(target).Should().Contain(f => f.Contains("cannot be loaded") && f.Contains("of memory"));
    }

    [Fact]
    public void A_cuda_device_this_machine_lacks_is_one_line_at_start()
    {
        string target = SavedTarget("cuda");

        Failures(target, device: "cuda:7").Should().ContainSingle().Which.Should()
            .StartWith("LinearDsl:Target:Device 'cuda:7' is not available: this machine has ").And.EndWith("; use cpu.");
    }

    [Fact]
    public async Task A_relative_checkpoint_directory_resolves_against_the_content_root()
    {
        SavedTarget("models-target");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _directory.Path });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LinearDsl:Tokenizer"] = "byte-eot",
            ["LinearDsl:Target:CheckpointDirectory"] = "models-target",
        });
        builder.Services.AddLinearDsl(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync();
        var chat = host.Services.GetRequiredService<IChatClient>();
        var reply = await chat.GetResponseAsync("hi", new ChatOptions { MaxOutputTokens = 2, Temperature = 0 });
        reply.Usage!.OutputTokenCount.Should().BeGreaterThan(0);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_setting_that_does_not_parse_names_its_key()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["LinearDsl:Generation:MaxNewTokens"] = "abc" });
        builder.Services.AddLinearDsl(builder.Configuration).UseTargetModel(_ => HostingModels.Target());
        using var host = builder.Build();

        var error = await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<InvalidOperationException>();
        error.Which.Message.Should().StartWith("Failed to convert configuration value").And.Contain("LinearDsl:Generation:MaxNewTokens");
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(0)]
    public async Task Max_output_tokens_below_one_is_an_argument_exception_naming_the_option(int max)
    {
        var services = new ServiceCollection();
        services.AddLinearDsl(_ => HostingModels.Target(), configure: o => o.Tokenizer = "byte-eot");
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        var error = await FluentActions.Awaiting(() => chat.GetResponseAsync("hi", new ChatOptions { MaxOutputTokens = max })).Should().ThrowAsync<ArgumentException>();
        error.Which.Message.Should().Contain("ChatOptions.MaxOutputTokens").And.Contain($"got {max}");
        var streaming = async () => { await foreach (var _ in chat.GetStreamingResponseAsync("hi", new ChatOptions { MaxOutputTokens = max })) { } };
        (await streaming.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("ChatOptions.MaxOutputTokens");
    }

    static void EditConfig(string directory, Action<JsonObject> edit)
    {
        string path = Path.Combine(directory, Checkpoint.ConfigFileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }
}
