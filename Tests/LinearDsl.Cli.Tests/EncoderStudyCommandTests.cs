using System.Text.Json;
using LinearDsl.Study;

namespace LinearDsl.Cli.Tests;

/// <summary><c>lineardsl study --encoders</c> and <c>--seq2seq</c> at the micro budget, and their one-line refusals.</summary>
public sealed class EncoderStudyCommandTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    [Theory]
    [InlineData("--encoders", EncoderStudyReport.FileName, EncoderStudyMarkdown.EncodersFile)]
    [InlineData("--seq2seq", Seq2SeqStudyReport.FileName, EncoderStudyMarkdown.Seq2SeqFile)]
    public async Task A_micro_study_writes_its_report_markdown_and_figures(string study, string json, string markdown)
    {
        string output = workspace.NewDirectory("encstudy");
        var result = await CliRunner.RunAsync(["study", study, "--budget", "micro", "--corpus", workspace.Corpus, "--out", output, "--variants", "softmax,softmax-causal,elu,retnet"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("wall time"));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, json)));
        var root = report.RootElement;
        root.GetProperty("command").GetString().Should().Contain(study);
        root.GetProperty("budget").GetProperty("name").GetString().Should().Be("micro");
        root.GetProperty("variants").EnumerateArray().Select(v => v.GetProperty("key").GetString()).Should().Equal("softmax", "softmax-causal", "elu", "retnet");
        root.GetProperty("findings").GetArrayLength().Should().BeGreaterThan(2);
        foreach (string file in new[] { markdown, "validation-loss.png", "training-loss.png" })
            File.Exists(Path.Combine(output, file)).Should().BeTrue(file);
    }

    [Theory]
    [InlineData(new[] { "--encoders", "--seq2seq" }, "run them one at a time")]
    [InlineData(new[] { "--encoders", "--budget", "quick" }, "unknown --budget 'quick' for --encoders or --seq2seq")]
    [InlineData(new[] { "--seq2seq", "--variants", "elu" }, "--variants must include 'softmax'")]
    [InlineData(new[] { "--encoders", "--variants", "softmax,flash" }, "unknown study variant 'flash'")]
    [InlineData(new[] { "--causal-study", "x.json" }, "--causal-study applies to --encoders or --seq2seq only")]
    public async Task Unusable_options_are_refused_in_one_line(string[] arguments, string message)
    {
        var result = await CliRunner.RunAsync(["study", "--out", workspace.NewDirectory("encstudy-bad"), .. arguments]);
        result.ExitCode.Should().NotBe(0);
        result.Output.Should().Contain(message);
        result.Output.Should().NotContain("   at ");
    }
}
