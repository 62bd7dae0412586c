using System.Text.Json.Nodes;

namespace LinearDsl.Cli.Tests;

/// <summary>
/// A config.json with huge sizes beside small weights is refused before anything is allocated, with one line: the
/// memory the config would need, or that the config does not belong to the weights.
/// </summary>
public sealed class HugeSizeTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Theory]
    [InlineData("vocab_size", 2_000_000_000)]
    [InlineData("mlp_hidden", 2_000_000_000)]
    [InlineData("width", 1_000_000_000)]
    public async Task A_size_too_large_for_memory_says_how_much_memory_it_needs(string key, int value)
    {
        string altered = AlteredCheckpoint.WithConfig(checkpoints.Target, checkpoints.Root, json => json[key] = value);

        var result = await CliRunner.RunAsync(["inspect", altered]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("config.json").And.MatchRegex(@"need [0-9.]+ [KMGTPE]iB of memory").And.Contain(key);
    }

    [Theory]
    [InlineData("layers", 1_000_000)]
    [InlineData("conv_taps", 2_000_000_000)]
    public async Task A_size_the_weights_do_not_hold_is_refused_before_the_model_is_built(string key, int value)
    {
        string altered = AlteredCheckpoint.WithConfig(checkpoints.Target, checkpoints.Root, json =>
        {
            if (key == "conv_taps") json["mixer"]!["options"]![key] = value;
            else json[key] = value;
        });

        var result = await CliRunner.RunAsync(["inspect", altered]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("config.json").And.MatchRegex("memory|does not belong");
    }

    [Fact]
    public async Task A_config_whose_layer_count_differs_from_the_weights_names_both()
    {
        string altered = AlteredCheckpoint.WithConfig(checkpoints.Target, checkpoints.Root, json => json["layers"] = 3);

        var result = await CliRunner.RunAsync(["inspect", altered]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("layers 3").And.Contain("hold 2");
    }
}
