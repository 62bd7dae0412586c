using System.Text.Json;
using LinearDsl.Study;

namespace LinearDsl.Cli.Tests;

/// <summary><c>lineardsl linearize-study</c> at the micro budget, its options and its one-line errors.</summary>
public sealed class LinearizeStudyCommandTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    [Fact]
    public async Task A_micro_linearization_study_writes_json_markdown_and_figures()
    {
        string output = workspace.NewDirectory("linearize-study");
        var result = await CliRunner.RunAsync(["linearize-study", "--budget", "micro", "--corpus", workspace.Corpus, "--out", output,
            "--variants", "hedgehog,local-global", "--lora-rank", "3", "--fractions", "0.5,0.25", "--seed", "4"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("wall time"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, LinearizeReport.FileName)));
        var root = json.RootElement;
        root.GetProperty("command").GetString().Should().Be(
            $"lineardsl linearize-study --budget micro --corpus {workspace.Corpus} --out {output} --variants hedgehog,local-global --lora-rank 3 --fractions 0.5,0.25 --seed 4");
        var budget = root.GetProperty("budget");
        budget.GetProperty("lora_rank").GetInt32().Should().Be(3);
        budget.GetProperty("fine_tune_fractions").EnumerateArray().Select(f => f.GetDouble()).Should().Equal(0.25, 0.5);
        budget.GetProperty("scratch_steps").GetInt32().Should().Be(LinearizeBudget.Micro.PretrainSteps + LinearizeBudget.Micro.PretrainSteps / 2);
        foreach (var field in new[] { "machine", "commit", "started_utc", "corpus", "tokenizer" })
            root.GetProperty(field).ValueKind.Should().Be(JsonValueKind.String, field);
        root.GetProperty("teacher").GetProperty("validation").GetProperty("perplexity").GetDouble().Should().BeGreaterThan(1);
        root.GetProperty("teacher").GetProperty("continued").GetProperty("steps").GetInt32().Should().Be(LinearizeBudget.Micro.PretrainSteps / 2, "the teacher trains on for the largest fraction, 0.5");
        var variants = root.GetProperty("variants").EnumerateArray().ToArray();
        variants.Select(v => v.GetProperty("key").GetString()).Should().Equal("hedgehog", "local-global");
        foreach (var v in variants)
        {
            v.GetProperty("runs").GetArrayLength().Should().Be(4);
            v.GetProperty("transfer").GetProperty("trainable_parameters").GetInt64().Should().Be(v.GetProperty("mixer_parameters").GetInt64());
            v.GetProperty("speculative").GetProperty("identical").GetBoolean().Should().BeTrue();
            v.GetProperty("speculative").GetProperty("speed_up").GetDouble().Should().BeGreaterThan(0);
        }
        root.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("verdict").GetString())
            .Should().OnlyContain(v => v == "agrees" || v == "partly agrees" || v == "disagrees" || v == "not measured");
        string markdown = File.ReadAllText(Path.Combine(output, LinearizeMarkdown.FileName));
        markdown.Should().Contain("lineardsl linearize-study --budget micro").And.Contain("## Speculative decoding");
        foreach (var figure in new[] { LinearizePlots.LossFile, LinearizePlots.GapFile, LinearizePlots.TokensFile })
            File.Exists(Path.Combine(output, figure)).Should().BeTrue(figure);
    }

    [Theory]
    [InlineData("--budget", "huge", "--budget")]
    [InlineData("--variants", "leaky-conv", "leaky-conv")]
    [InlineData("--variants", "softmax", "no linear variant")]
    [InlineData("--variants", "nope", "nope")]
    [InlineData("--fractions", "0.1,zero", "--fractions")]
    [InlineData("--fractions", "0", "--fractions")]
    [InlineData("--lora-rank", "0", "--lora-rank")]
    [InlineData("--pretrain-steps", "0", "--pretrain-steps")]
    [InlineData("--transfer-steps", "-1", "--transfer-steps")]
    [InlineData("--draft-tokens", "0", "--draft-tokens")]
    [InlineData("--seed", "-1", "--seed")]
    public async Task Bad_arguments_are_one_line_errors(string option, string value, string mentioned)
    {
        string output = workspace.NewDirectory("bad");
        var result = await CliRunner.RunAsync(["linearize-study", option, value, "--out", output]);

        result.ExitCode.Should().Be(2, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain(mentioned);
        Directory.Exists(output).Should().BeFalse("nothing is written when the options are refused");
    }

    [Fact]
    public async Task A_missing_corpus_is_one_line()
    {
        var result = await CliRunner.RunAsync(["linearize-study", "--budget", "micro", "--corpus", Path.Combine(workspace.Root, "missing.txt"), "--out", workspace.NewDirectory("missing")]);

        result.ExitCode.Should().Be(2, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain("missing.txt");
    }

    [Fact]
    public async Task Every_option_has_help_text()
    {
        var result = await CliRunner.RunAsync(["linearize-study", "--help"]);

        result.ExitCode.Should().Be(0, result.Output);
        foreach (var option in new[] { "--budget", "--seed", "--out", "--corpus", "--variants", "--pretrain-steps", "--fractions", "--lora-rank", "--transfer-steps", "--draft-tokens", "--threads" })
        {
            var line = result.Lines().FirstOrDefault(l => l.Contains(option + " ") || l.EndsWith(option));
            line.Should().NotBeNull(option);
            line!.Length.Should().BeGreaterThan(option.Length + 20, $"{option} needs a description");
        }
    }
}
