using System.Text.Json;

namespace LinearDsl.Cli.Tests;

public sealed class DistillDraftCommandTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    [Fact]
    public async Task A_draft_is_distilled_from_the_target_and_its_log_has_the_kl()
    {
        string output = workspace.NewDirectory("draft");
        var result = await CliRunner.RunAsync(["distill-draft", "--target", workspace.Target, "--config", workspace.DraftConfigFile, "--corpus", workspace.Corpus,
            "--context", "32", "--batch", "4", "--steps", "3", "--lr", "3e-3", "--out", output]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("KL to target"));
        using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "training-log.json")));
        log.RootElement.GetProperty("command").GetString().Should().Be("distill-draft");
        log.RootElement.GetProperty("target").GetString().Should().Be(workspace.Target);
        log.RootElement.GetProperty("evaluations")[0].GetProperty("kl_to_target").GetDouble().Should().BeGreaterThan(0);
        File.Exists(Path.Combine(output, "loss.png")).Should().BeTrue();

        var generate = await CliRunner.RunAsync(["generate", "the", "--target", workspace.Target, "--draft", output, "--max-tokens", "6", "--no-compare"]);
        generate.ExitCode.Should().Be(0, generate.Output);
    }

    [Fact]
    public async Task A_draft_with_another_vocabulary_is_refused_in_one_line()
    {
        var result = await CliRunner.RunAsync(["distill-draft", "--target", workspace.Target, "--config", workspace.OtherVocabularyConfigFile,
            "--corpus", workspace.Corpus, "--steps", "1", "--out", workspace.NewDirectory("mismatch")]);

        result.ExitCode.Should().Be(2);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain("300").And.Contain("256").And.Contain("vocabulary");
    }

    [Fact]
    public async Task Without_a_target_it_asks_for_one()
    {
        var result = await CliRunner.RunAsync(["distill-draft", "--config", workspace.DraftConfigFile, "--out", workspace.NewDirectory("no-target")]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("--target");
    }
}
