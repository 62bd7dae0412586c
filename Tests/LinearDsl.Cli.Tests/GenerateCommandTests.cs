namespace LinearDsl.Cli.Tests;

public sealed class GenerateCommandTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task Speculative_generation_prints_the_statistics_and_the_speed_up()
    {
        var result = await CliRunner.RunAsync(["generate", "Hello", "--target", checkpoints.Target, "--draft", checkpoints.Draft, "--max-tokens", "24"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().StartWith("Hello");
        foreach (var row in new[] { "acceptance rate", "tokens/s", "target calls", "time to first token" })
            result.Output.Should().Contain(row);
        result.Output.Should().Contain("speculative").And.Contain("plain");
        result.Lines().Should().ContainSingle(l => l.StartsWith("speed-up: ")).Which.Should().EndWith("(median of 3 timed runs each; same text)");
    }

    [Fact]
    public async Task The_comparison_reports_the_run_of_median_time_of_each_decoder()
    {
        var result = await CliRunner.RunAsync(["generate", "Hello", "--target", checkpoints.Target, "--draft", checkpoints.Draft, "--max-tokens", "16", "--timed-runs", "2"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Single(l => l.StartsWith("generated tokens")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2..].Should().Equal("16", "16");
        result.Lines().Should().ContainSingle(l => l.StartsWith("speed-up: ")).Which.Should().EndWith("(median of 2 timed runs each; same text)");
    }

    [Fact]
    public async Task A_target_drafting_for_itself_accepts_every_token_in_fewer_target_calls()
    {
        var result = await CliRunner.RunAsync(["generate", "Hi", "--target", checkpoints.Target, "--draft", checkpoints.Target,
            "--max-tokens", "30", "--draft-tokens", "4", "--no-compare"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("acceptance rate") && l.EndsWith("100.0 %"));
        long targetCalls = long.Parse(result.Lines().Single(l => l.StartsWith("target calls")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]);
        targetCalls.Should().BeLessThanOrEqualTo(30 / 5 + 1);
    }

    [Fact]
    public async Task Greedy_text_is_the_same_with_and_without_speculation()
    {
        string[] common = ["generate", "The sea", "--target", checkpoints.Target, "--max-tokens", "40", "--no-compare"];
        var speculative = await CliRunner.RunAsync([.. common, "--draft", checkpoints.Draft, "--draft-tokens", "3", "--adaptive"]);
        var plain = await CliRunner.RunAsync([.. common, "--no-speculation"]);

        speculative.ExitCode.Should().Be(0, speculative.Output);
        plain.ExitCode.Should().Be(0, plain.Output);
        GeneratedText(speculative).Should().Be(GeneratedText(plain)).And.StartWith("The sea");
        plain.Output.Should().NotContain("speed-up");
    }

    [Fact]
    public async Task A_stop_sequence_cuts_the_text()
    {
        var full = await CliRunner.RunAsync(["generate", "ab", "--target", checkpoints.Target, "--no-speculation", "--max-tokens", "40"]);
        string text = GeneratedText(full)["ab".Length..];
        string stop = text.Substring(10, 2);
        int cut = text.IndexOf(stop, StringComparison.Ordinal);

        var stopped = await CliRunner.RunAsync(["generate", "ab", "--target", checkpoints.Target, "--no-speculation", "--max-tokens", "40", "--stop", stop, "--stop", "\u0001never"]);

        stopped.ExitCode.Should().Be(0, stopped.Output);
        GeneratedText(stopped).Should().Be("ab" + text[..cut]);
        stopped.Output.Should().Contain("stop sequence");
    }

    [Fact]
    public async Task Without_arguments_and_without_bundled_models_it_says_how_to_pass_them()
    {
        string empty = Path.Combine(checkpoints.Root, "no-models-here");
        var result = await CliRunner.RunAsync(["generate"], "", empty);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("Models/bundled/target").And.Contain("--target").And.Contain("--draft");
    }

    [Fact]
    public async Task A_missing_target_directory_is_one_line_naming_it()
    {
        string missing = Path.Combine(checkpoints.Root, "missing");
        var result = await CliRunner.RunAsync(["generate", "x", "--target", missing, "--draft", checkpoints.Draft]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain(missing);
    }

    [Fact]
    public async Task A_target_without_a_draft_asks_for_one()
    {
        var result = await CliRunner.RunAsync(["generate", "x", "--target", checkpoints.Target]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("--draft").And.Contain("--no-speculation");
    }

    [Theory]
    [InlineData("--temperature", "-1", "--temperature")]
    [InlineData("--top-p", "0", "--top-p")]
    [InlineData("--max-tokens", "many", "many")]
    [InlineData("--draft-tokens", "0", "--draft-tokens")]
    [InlineData("--timed-runs", "0", "--timed-runs")]
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--tokenizer", "gpt2", "gpt2")]
    [InlineData("--frobnicate", "1", "frobnicate")]
    public async Task Bad_arguments_are_one_line_and_a_non_zero_exit(string option, string value, string named)
    {
        var result = await CliRunner.RunAsync(["generate", "x", "--target", checkpoints.Target, "--no-speculation", option, value]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain(named);
    }

    [Fact]
    public async Task A_draft_with_another_vocabulary_is_refused()
    {
        string other = checkpoints.Save("draft-257", TinyCheckpoints.Config(16, 1, Runtime.Modeling.MixerSpec.Softmax(1), vocabSize: 257), seed: 4);
        var result = await CliRunner.RunAsync(["generate", "x", "--target", checkpoints.Target, "--draft", other]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("vocabulary");
    }

    /// <summary>The prompt and the streamed text: everything before the statistics table (its header line and rule).</summary>
    static string GeneratedText(Spectre.Console.Cli.Testing.CommandAppResult result)
    {
        int rule = result.Output.IndexOf('─');
        rule.Should().BePositive(result.Output);
        int header = result.Output.LastIndexOf('\n', result.Output.LastIndexOf('\n', rule) - 1);
        return result.Output[..header].TrimEnd('\n');
    }
}
