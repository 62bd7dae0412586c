using LinearDsl.Runtime.Checkpoints;

namespace LinearDsl.Cli.Tests;

/// <summary>Where results go is checked before the work starts; inputs are never written over; nothing is left behind.</summary>
public sealed class OutputLocationTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    string[] Train(string output, params string[] more) =>
        ["train", "--config", workspace.ConfigFile, "--corpus", workspace.Corpus, "--context", "32", "--batch", "2", "--steps", "2", "--out", output, .. more];

    [Fact]
    public async Task An_unwritable_out_is_refused_before_training()
    {
        var result = await CliRunner.RunAsync(Train("/proc/lineardsl-out"));

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("--out '/proc/lineardsl-out' is not writable");
    }

    [Fact]
    public async Task An_out_that_is_an_existing_file_is_refused_before_training()
    {
        string file = Path.Combine(workspace.Root, "a-file.txt");
        File.WriteAllText(file, "keep me");

        var result = await CliRunner.RunAsync(Train(file));

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("is an existing file");
        File.ReadAllText(file).Should().Be("keep me");
    }

    [Theory]
    [InlineData("")]
    [InlineData("inner")]
    public async Task Linearize_never_writes_into_its_source(string inside)
    {
        string source = workspace.NewDirectory("softmax");
        using (var softmax = Runtime.Modeling.ModelFactory.Create(TinyCheckpoints.Config(width: 16, layers: 1, Runtime.Modeling.MixerSpec.Softmax(2)), seed: 3))
            Checkpoint.Save(softmax, source);
        var before = Directory.GetFiles(source).ToDictionary(f => f, File.ReadAllBytes);

        var result = await CliRunner.RunAsync(["linearize", source, "--out", Path.Combine(source, inside)]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("the input is never written over");
        Directory.GetFileSystemEntries(source).Should().BeEquivalentTo(before.Keys);
        foreach (var (file, bytes) in before) File.ReadAllBytes(file).Should().Equal(bytes);
    }

    [Fact]
    public async Task Fine_tuning_and_distillation_refuse_an_out_that_overlaps_their_inputs()
    {
        string source = AlteredCheckpoint.Copy(workspace.Target, workspace.Root);

        var train = await CliRunner.RunAsync(["train", "--from", source, "--corpus", workspace.Corpus, "--steps", "1", "--out", source]);
        var distill = await CliRunner.RunAsync(["distill-draft", "--target", source, "--config", workspace.DraftConfigFile, "--corpus", workspace.Corpus,
            "--steps", "1", "--out", Path.GetDirectoryName(source)!]);

        train.Lines().Should().ContainSingle().Which.Should().Contain("--from");
        distill.Lines().Should().ContainSingle().Which.Should().Contain("contains the input --target");
        train.ExitCode.Should().Be(ErrorReporter.UsageError);
        distill.ExitCode.Should().Be(ErrorReporter.UsageError);
    }

    [Fact]
    public async Task Eval_json_naming_a_directory_is_refused_first_and_leaves_nothing()
    {
        string folder = workspace.NewDirectory("json-dir");
        Directory.CreateDirectory(folder);

        var result = await CliRunner.RunAsync(["eval", workspace.Target, "--corpus", workspace.Corpus, "--json", folder]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("is an existing directory");
        Directory.GetFileSystemEntries(workspace.Root, Path.GetFileName(folder) + "*").Should().Equal(folder);
    }

    [Fact]
    public async Task Temporary_folders_a_killed_run_left_are_cleaned_up_and_nothing_else()
    {
        string output = workspace.NewDirectory("stale");
        string checkpoints = Path.Combine(output, "checkpoints");
        string stale = Path.Combine(checkpoints, $".step-000001.{Guid.NewGuid():N}.tmp");
        string staleOld = Path.Combine(checkpoints, $".step-000002.{Guid.NewGuid():N}.old");
        string fresh = Path.Combine(checkpoints, $".step-000003.{Guid.NewGuid():N}.tmp");
        string foreign = Path.Combine(checkpoints, ".step-notes.tmp");
        foreach (var folder in new[] { stale, staleOld, fresh, foreign })
        {
            Directory.CreateDirectory(Path.Combine(folder, "model"));
            File.WriteAllText(Path.Combine(folder, "model", "config.json"), "{}");
        }
        foreach (var folder in new[] { stale, staleOld, foreign })
        {
            foreach (var entry in Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(entry, DateTime.UtcNow.AddHours(-1));
            Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow.AddHours(-1));
        }
        string staleWeights = Path.Combine(output, $".{Checkpoint.WeightsFileName}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(staleWeights, "half");
        File.SetLastWriteTimeUtc(staleWeights, DateTime.UtcNow.AddHours(-1));

        var result = await CliRunner.RunAsync(Train(output, "--checkpoint-every", "1"));

        result.ExitCode.Should().Be(0, result.Output);
        Directory.Exists(stale).Should().BeFalse();
        Directory.Exists(staleOld).Should().BeFalse();
        File.Exists(staleWeights).Should().BeFalse();
        Directory.Exists(fresh).Should().BeTrue("a folder written to a moment ago may belong to a run still writing");
        Directory.Exists(foreign).Should().BeTrue("only our own temporary naming pattern is removed");
    }

    [Fact]
    public void A_save_that_fails_at_the_end_goes_to_a_fallback_folder_named_in_the_error()
    {
        string? saved = null;
        var error = FluentActions.Invoking(() => TrainingRun.SaveOrRescue(directory =>
        {
            if (directory == "/proc/x") throw new IOException("Read-only file system");
            saved = directory;
        }, "/proc/x")).Should().Throw<CliException>().Which;

        saved.Should().NotBeNull().And.StartWith(Path.GetTempPath());
        error.Message.Should().Contain("/proc/x").And.Contain("Read-only file system").And.Contain($"saved to '{saved}' instead");
    }
}
