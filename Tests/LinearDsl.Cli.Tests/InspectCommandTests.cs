namespace LinearDsl.Cli.Tests;

public sealed class InspectCommandTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task An_augmented_model_shows_its_mixers_and_a_constant_state()
    {
        var result = await CliRunner.RunAsync(["inspect", checkpoints.Target, "--context", "100"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("layers 0-1") && l.Contains("augmented_linear, 2 heads of 16")
            && l.Contains("group 16") && l.Contains("conv 4 taps"));
        result.Lines().Should().Contain(l => l.StartsWith("width") && l.EndsWith("32"));
        result.Lines().Should().Contain(l => l.StartsWith("mlp") && l.Contains("swiglu, hidden 64"));
        result.Lines().Should().Contain(l => l.StartsWith("state per token") && l.Contains("0 B per token of context (constant size)"));
        result.Lines().Should().Contain(l => l.StartsWith("state") && l.Contains("after 100 tokens"));
    }

    [Fact]
    public async Task A_softmax_model_state_grows_by_its_keys_and_values()
    {
        var result = await CliRunner.RunAsync(["inspect", checkpoints.Softmax]);

        result.ExitCode.Should().Be(0, result.Output);
        // 2 layers x (keys + values) x width 32 x 4 bytes = 512 bytes per token.
        result.Lines().Should().Contain(l => l.StartsWith("state per token") && l.Contains("512 B per token of context (grows"));
        result.Lines().Should().Contain(l => l.StartsWith("layers 0-1") && l.Contains("softmax"));
    }

    [Fact]
    public async Task The_parameter_count_matches_the_model()
    {
        var config = TinyCheckpoints.Config(width: 32, layers: 2, Runtime.Modeling.MixerSpec.Softmax(2));
        using var model = Runtime.Modeling.ModelFactory.Create(config);
        long expected = model.parameters().Sum(p => p.numel());

        var result = await CliRunner.RunAsync(["inspect", checkpoints.Softmax]);

        result.Lines().Should().Contain(l => l.StartsWith("parameters") && l.EndsWith(expected.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_missing_directory_is_one_line_naming_it()
    {
        string missing = Path.Combine(checkpoints.Root, "absent");
        var result = await CliRunner.RunAsync(["inspect", missing]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain(missing);
    }

    [Fact]
    public async Task A_corrupt_config_is_one_line_naming_the_file()
    {
        string broken = Path.Combine(checkpoints.Root, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config.json"), "{ \"format_version\": 1, \"width\": ");

        var result = await CliRunner.RunAsync(["inspect", broken]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("config.json");
    }

    [Fact]
    public async Task Without_a_directory_it_asks_for_one()
    {
        var result = await CliRunner.RunAsync(["inspect"]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("DIR");
    }
}
