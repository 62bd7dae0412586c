using LinearDsl.Runtime.Checkpoints;
using TorchSharp;

namespace LinearDsl.Cli.Tests;

/// <summary>lineardsl train-heads: a checkpoint with trained heads and an unchanged backbone; errors are one line and write nothing.</summary>
public sealed class TrainHeadsCommandTests : IClassFixture<TinyCheckpoints>
{
    readonly TinyCheckpoints checkpoints;

    public TrainHeadsCommandTests(TinyCheckpoints checkpoints) => this.checkpoints = checkpoints;

    string Corpus
    {
        get
        {
            string path = Path.Combine(checkpoints.Root, "corpus.txt");
            if (!File.Exists(path)) File.WriteAllText(path, string.Concat(Enumerable.Repeat("In the beginning God created the heaven and the earth. ", 40)));
            return path;
        }
    }

    [Fact]
    public async Task Writes_the_model_with_trained_heads_and_its_log()
    {
        string output = Path.Combine(checkpoints.Root, "target-heads");
        var result = await CliRunner.RunAsync(["train-heads", "--model", checkpoints.Target, "--out", output, "--heads", "2", "--steps", "5", "--batch", "4",
            "--sequences", "8", "--validation-sequences", "4", "--prompt-length", "8", "--continuation", "12", "--corpus", Corpus], "", checkpoints.Root);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain("head 0 (token +2): top-1").And.Contain("head 1 (token +3)");
        File.ReadAllText(Path.Combine(output, Checkpoint.ConfigFileName)).Should().Contain("\"medusa_heads\"");
        File.Exists(Path.Combine(output, "heads-log.json")).Should().BeTrue();
        Directory.EnumerateDirectories(checkpoints.Root, ".*train-heads-*").Should().BeEmpty("the temporary folder is moved into place");
        using var withHeads = Checkpoint.Load(output);
        using var original = Checkpoint.Load(checkpoints.Target);
        withHeads.Medusa!.Count.Should().Be(2);
        var trained = withHeads.state_dict();
        foreach (var (key, tensor) in original.state_dict())
            trained[key].equal(tensor).all().item<bool>().Should().BeTrue($"backbone tensor '{key}' is unchanged");
    }

    [Fact]
    public async Task Bad_input_is_one_line_and_writes_nothing()
    {
        string output = Path.Combine(checkpoints.Root, "never");
        var missing = await CliRunner.RunAsync(["train-heads", "--model", Path.Combine(checkpoints.Root, "nowhere"), "--out", output], "", checkpoints.Root);
        missing.ExitCode.Should().NotBe(0);
        missing.Lines().Should().ContainSingle().Which.Should().Contain("nowhere");

        var noModel = await CliRunner.RunAsync(["train-heads", "--out", output], "", checkpoints.Root);
        noModel.Lines().Should().ContainSingle().Which.Should().Contain("--model");

        var tooMany = await CliRunner.RunAsync(["train-heads", "--model", checkpoints.Target, "--out", output, "--heads", "17"], "", checkpoints.Root);
        tooMany.Lines().Should().ContainSingle().Which.Should().Contain("--heads must be between 1 and 16");

        var sameAsInput = await CliRunner.RunAsync(["train-heads", "--model", checkpoints.Target, "--out", checkpoints.Target], "", checkpoints.Root);
        sameAsInput.ExitCode.Should().NotBe(0);
        sameAsInput.Lines().Should().ContainSingle();

        var noCorpus = await CliRunner.RunAsync(["train-heads", "--model", checkpoints.Target, "--out", output, "--corpus", Path.Combine(checkpoints.Root, "none.txt")], "", checkpoints.Root);
        noCorpus.Lines().Should().ContainSingle().Which.Should().Contain("none.txt");

        var shortCorpus = Path.Combine(checkpoints.Root, "short.txt");
        File.WriteAllText(shortCorpus, "too short");
        var tooShort = await CliRunner.RunAsync(["train-heads", "--model", checkpoints.Target, "--out", output, "--corpus", shortCorpus], "", checkpoints.Root);
        tooShort.ExitCode.Should().NotBe(0);
        tooShort.Lines().Should().ContainSingle().Which.Should().Contain("corpus has 9 tokens");

        Directory.Exists(output).Should().BeFalse("nothing is written when the input is bad");
    }
}
