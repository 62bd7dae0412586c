using System.Text.Json;

namespace LinearDsl.Cli.Tests;

public sealed class EvalCommandTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    [Fact]
    public async Task Eval_prints_the_perplexity_and_writes_one_json_object_with_unit_machine_and_commit()
    {
        string json = Path.Combine(workspace.NewDirectory("eval"), "eval.json");
        var result = await CliRunner.RunAsync(["eval", workspace.Target, "--corpus", workspace.Corpus, "--context", "32", "--batch", "4", "--json", json]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("perplexity ") && l.Contains("validation sequences of 32"));
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        root.ValueKind.Should().Be(JsonValueKind.Object);
        root.GetProperty("unit").GetString().Should().Be("perplexity");
        root.GetProperty("split").GetString().Should().Be("validation");
        root.GetProperty("context").GetInt32().Should().Be(32);
        root.GetProperty("machine").GetString().Should().Contain("cores");
        root.GetProperty("commit").GetString().Should().NotBeNullOrEmpty();
        root.GetProperty("checkpoint").GetString().Should().Be(workspace.Target);
        double meanNll = root.GetProperty("mean_nll").GetDouble();
        root.GetProperty("value").GetDouble().Should().BeApproximately(Math.Exp(meanNll), 1e-9);
        // A random model over 256 byte ids: close to uniform.
        meanNll.Should().BeInRange(Math.Log(256) - 0.5, Math.Log(256) + 0.5);
        root.GetProperty("tokens").GetInt64().Should().Be(root.GetProperty("sequences").GetInt32() * 32L);
    }

    [Fact]
    public async Task All_scores_every_sequence_of_the_corpus()
    {
        string json = Path.Combine(workspace.NewDirectory("eval-all"), "eval.json");
        var result = await CliRunner.RunAsync(["eval", workspace.Target, "--corpus", workspace.Corpus, "--context", "64", "--all", "--json", json]);

        result.ExitCode.Should().Be(0, result.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        long bytes = new FileInfo(workspace.Corpus).Length;
        document.RootElement.GetProperty("sequences").GetInt32().Should().Be((int)((bytes - 1) / 64));
        document.RootElement.GetProperty("split").GetString().Should().Be("all");
    }

    [Fact]
    public async Task A_missing_checkpoint_is_one_line_naming_it()
    {
        string missing = Path.Combine(workspace.Root, "absent");
        var result = await CliRunner.RunAsync(["eval", missing, "--corpus", workspace.Corpus]);

        result.ExitCode.Should().Be(2);
        result.Lines().Should().ContainSingle().Which.Should().Contain(missing);
    }

    [Fact]
    public async Task A_corpus_too_short_for_the_context_is_one_line()
    {
        string tiny = Path.Combine(workspace.NewDirectory("short"), "short.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(tiny)!);
        File.WriteAllText(tiny, "In the beginning.");
        var result = await CliRunner.RunAsync(["eval", workspace.Target, "--corpus", tiny]);

        result.ExitCode.Should().Be(2);
        result.Lines().Should().ContainSingle().Which.Should().Contain("too short");
    }
}
