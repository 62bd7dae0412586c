using System.Text.Json;

namespace LinearDsl.Cli.Tests;

public sealed class TrainCommandTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    string[] Train(string output, params string[] more) =>
        ["train", "--config", workspace.ConfigFile, "--corpus", workspace.Corpus, "--context", "32", "--batch", "4", "--lr", "3e-3", "--out", output, .. more];

    [Fact]
    public async Task A_trained_model_is_saved_with_its_log_and_loss_curve_and_generate_runs_on_it()
    {
        string output = workspace.NewDirectory("trained");
        var result = await CliRunner.RunAsync(Train(output, "--steps", "4", "--eval-every", "2"));

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("step 4/4") && l.Contains("loss") && l.Contains("lr") && l.Contains("tokens/s") && l.Contains("eta"));
        result.Lines().Should().Contain(l => l.StartsWith("final train loss"));
        result.Lines().Should().Contain(l => l.StartsWith("validation") && l.Contains("perplexity"));
        result.Lines().Should().Contain(l => l.StartsWith("wall time"));
        foreach (var file in new[] { "config.json", "model.safetensors", "training-log.json", "checkpoints/step-000004/trainer.json" })
            File.Exists(Path.Combine(output, file)).Should().BeTrue(file);
        File.ReadAllBytes(Path.Combine(output, "loss.png")).Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');

        using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "training-log.json")));
        log.RootElement.GetProperty("losses").GetArrayLength().Should().Be(4);
        log.RootElement.GetProperty("learning_rates").GetArrayLength().Should().Be(4);
        log.RootElement.GetProperty("evaluations").EnumerateArray().Select(e => e.GetProperty("step").GetInt32()).Should().Equal(2, 4);
        log.RootElement.GetProperty("validation_perplexity").GetDouble().Should().BeGreaterThan(1);
        log.RootElement.GetProperty("commit").GetString().Should().NotBeNullOrEmpty();

        var generate = await CliRunner.RunAsync(["generate", "the sea", "--target", output, "--no-speculation", "--no-compare", "--max-tokens", "8"]);
        generate.ExitCode.Should().Be(0, generate.Output);
        generate.Output.Should().StartWith("the sea");

        // End to end: the saved model is scored on the same held-out text the trainer validated on.
        string json = Path.Combine(output, "eval.json");
        var eval = await CliRunner.RunAsync(["eval", output, "--corpus", workspace.Corpus, "--context", "32", "--json", json]);
        eval.ExitCode.Should().Be(0, eval.Output);
        using var scored = JsonDocument.Parse(File.ReadAllText(json));
        scored.RootElement.GetProperty("value").GetDouble()
            .Should().BeApproximately(log.RootElement.GetProperty("validation_perplexity").GetDouble(), 1e-3);
    }

    [Fact]
    public async Task Resume_continues_from_the_latest_checkpoint_and_reproduces_the_uninterrupted_run()
    {
        string output = workspace.NewDirectory("resumed");
        string[] args = Train(output, "--steps", "6", "--checkpoint-every", "3", "--eval-every", "3");
        (await CliRunner.RunAsync(args)).ExitCode.Should().Be(0);
        string uninterruptedLog = File.ReadAllText(Path.Combine(output, "training-log.json"));
        byte[] uninterruptedWeights = File.ReadAllBytes(Path.Combine(output, "model.safetensors"));
        // As if the run had stopped after step 3's checkpoint.
        Directory.Delete(Path.Combine(output, "checkpoints", "step-000006"), recursive: true);

        var resumed = await CliRunner.RunAsync([.. args, "--resume"]);

        resumed.ExitCode.Should().Be(0, resumed.Output);
        resumed.Lines().Should().Contain(l => l.StartsWith("resuming from") && l.Contains("step-000003"));
        using var expected = JsonDocument.Parse(uninterruptedLog);
        using var actual = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "training-log.json")));
        Doubles(actual, "losses").Should().HaveCount(6).And.Equal(Doubles(expected, "losses"));
        actual.RootElement.GetProperty("evaluations").GetRawText().Should().Be(expected.RootElement.GetProperty("evaluations").GetRawText());
        actual.RootElement.GetProperty("resumed_at_step").GetInt32().Should().Be(3);
        File.ReadAllBytes(Path.Combine(output, "model.safetensors")).Should().Equal(uninterruptedWeights);
    }

    [Fact]
    public async Task Resume_with_other_settings_and_a_new_run_over_old_checkpoints_are_refused_in_one_line()
    {
        string output = workspace.NewDirectory("refused");
        (await CliRunner.RunAsync(Train(output, "--steps", "2"))).ExitCode.Should().Be(0);

        var otherRate = await CliRunner.RunAsync([.. Train(output, "--steps", "2", "--resume"), "--lr", "1e-2"]);
        otherRate.ExitCode.Should().Be(2);
        otherRate.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain("learning_rate");

        var again = await CliRunner.RunAsync(Train(output, "--steps", "2"));
        again.ExitCode.Should().Be(2);
        again.Lines().Should().ContainSingle().Which.Should().Contain("--resume");
    }

    [Fact]
    public async Task Resume_without_a_checkpoint_is_one_line()
    {
        var result = await CliRunner.RunAsync(Train(workspace.NewDirectory("empty"), "--steps", "2", "--resume"));

        result.ExitCode.Should().Be(2);
        result.Lines().Should().ContainSingle().Which.Should().Contain("no training checkpoint");
    }

    [Fact]
    public async Task Fine_tuning_starts_from_the_given_checkpoint()
    {
        string output = workspace.NewDirectory("fine-tuned");
        var result = await CliRunner.RunAsync(["train", "--from", workspace.Target, "--corpus", workspace.Corpus, "--context", "32", "--batch", "2", "--steps", "2", "--out", output]);

        result.ExitCode.Should().Be(0, result.Output);
        using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "training-log.json")));
        log.RootElement.GetProperty("model").GetString().Should().Be($"checkpoint {workspace.Target}");
    }

    [Fact]
    public async Task Without_corpus_it_reads_the_bundled_one()
    {
        string root = workspace.NewDirectory("root");
        Directory.CreateDirectory(Path.Combine(root, "Models", "corpus"));
        File.Copy(workspace.Corpus, Path.Combine(root, BundledCorpus.CorpusPath));
        string output = workspace.NewDirectory("bundled");

        var result = await CliRunner.RunAsync(["train", "--config", workspace.ConfigFile, "--context", "32", "--batch", "2", "--steps", "1", "--out", output], "", root);
        var missing = await CliRunner.RunAsync(["train", "--config", workspace.ConfigFile, "--steps", "1", "--out", output + "-2"], "", workspace.NewDirectory("nothing"));

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain(Path.Combine(root, BundledCorpus.CorpusPath));
        missing.ExitCode.Should().Be(2);
        missing.Lines().Should().ContainSingle().Which.Should().Contain(BundledCorpus.CorpusPath).And.Contain("--corpus");
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--config")]
    [InlineData("--steps")]
    [InlineData("--context")]
    [InlineData("--corpus")]
    [InlineData("--clip")]
    public async Task Bad_arguments_are_one_line_naming_the_option(string option)
    {
        string output = workspace.NewDirectory("bad");
        string[] args = option switch
        {
            "--out" => ["train", "--config", workspace.ConfigFile],
            "--config" => ["train", "--config", Path.Combine(workspace.Root, "absent.json"), "--out", output],
            "--steps" => ["train", "--config", workspace.ConfigFile, "--steps", "0", "--out", output],
            "--context" => ["train", "--config", workspace.ConfigFile, "--corpus", workspace.Corpus, "--context", "65", "--out", output],
            "--corpus" => ["train", "--config", workspace.ConfigFile, "--corpus", Path.Combine(workspace.Root, "absent.txt"), "--out", output],
            _ => ["train", "--config", workspace.ConfigFile, "--clip", "-1", "--out", output],
        };

        var result = await CliRunner.RunAsync(args);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain(option);
    }

    [Fact]
    public async Task Both_a_config_and_a_checkpoint_is_one_line()
    {
        var result = await CliRunner.RunAsync(["train", "--config", workspace.ConfigFile, "--from", workspace.Target, "--out", workspace.NewDirectory("both")]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("not both");
    }

    static double[] Doubles(JsonDocument document, string name) =>
        document.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
