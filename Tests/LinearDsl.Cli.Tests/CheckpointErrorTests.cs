namespace LinearDsl.Cli.Tests;

/// <summary>Checkpoint errors name what is wrong: the key and both shapes, the optimizer file that cannot be read.</summary>
public sealed class CheckpointErrorTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    [Fact]
    public async Task A_shape_mismatch_names_the_key_and_both_shapes()
    {
        string altered = AlteredCheckpoint.WithConfig(workspace.Target, workspace.Root, json => json["mlp_hidden"] = 72);

        var result = await CliRunner.RunAsync(["inspect", altered]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should()
            .Contain("model.layers.0.mlp.gate_proj.weight: expected [72, 32], found [64, 32]").And.Contain("6 with the wrong shape").And.Contain("3 more");
    }

    [Fact]
    public async Task An_optimizer_file_that_cannot_be_read_is_named_and_its_bytes_are_not_printed()
    {
        string output = workspace.NewDirectory("bad-optimizer");
        string[] args = ["train", "--config", workspace.ConfigFile, "--corpus", workspace.Corpus, "--context", "32", "--batch", "2", "--steps", "2", "--checkpoint-every", "1", "--out", output];
        (await CliRunner.RunAsync(args)).ExitCode.Should().Be(0);
        string latest = Path.Combine(output, "checkpoints", "step-000002");
        Directory.Delete(latest, recursive: true);
        string optimizer = Path.Combine(output, "checkpoints", "step-000001", "optimizer.bin");
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(optimizer, garbage);

        var result = await CliRunner.RunAsync([.. args, "--resume"]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        string line = result.Lines().Should().ContainSingle().Which;
        line.Should().Contain(optimizer);
        line.Should().MatchRegex(@"^[\x20-\x7E]*$", "raw bytes of the file are never printed");
    }
}
