using LinearDsl.Runtime.Checkpoints;
using TorchSharp;

namespace LinearDsl.Cli.Tests;

/// <summary>lineardsl quantize: an int8 checkpoint that loads, stays causal and decodes speculatively; and its errors, each one line with nothing written.</summary>
public sealed class QuantizeCommandTests : IClassFixture<TinyCheckpoints>
{
    readonly TinyCheckpoints checkpoints;

    public QuantizeCommandTests(TinyCheckpoints checkpoints) => this.checkpoints = checkpoints;

    [Theory]
    [InlineData("target")]
    [InlineData("softmax")]
    public async Task A_float_checkpoint_becomes_an_int8_checkpoint_that_loads_is_causal_and_decodes(string which)
    {
        string source = which == "target" ? checkpoints.Target : checkpoints.Softmax;
        string output = Path.Combine(checkpoints.Root, $"{which}-int8");
        var result = await CliRunner.RunAsync(["quantize", source, "--out", output], "", checkpoints.Root);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain("int8 (Q8_0");
        File.ReadAllText(Path.Combine(output, Checkpoint.ConfigFileName)).Should().Be(File.ReadAllText(Path.Combine(source, Checkpoint.ConfigFileName)));
        new FileInfo(Path.Combine(output, Checkpoint.WeightsFileName)).Length.Should().BeLessThan(new FileInfo(Path.Combine(source, Checkpoint.WeightsFileName)).Length);
        using (var loaded = Checkpoint.Load(output))
        using (var onLoad = Checkpoint.Load(source, int8Weights: true))
        {
            loaded.HasInt8Weights.Should().BeTrue();
            using var tokens = torch.tensor(new long[] { 72, 101, 108, 108, 111 }, [1, 5]);
            using var a = loaded.Forward(tokens);
            using var b = onLoad.Forward(tokens);
            a.equal(b).all().item<bool>().Should().BeTrue("the command writes what quantizing on load computes");
        }
        Directory.EnumerateDirectories(checkpoints.Root, ".*quantize-*").Should().BeEmpty("the temporary folder is moved into place");

        var probe = await CliRunner.RunAsync(["check-causality", output], "", checkpoints.Root);
        probe.ExitCode.Should().Be(0, probe.Output);
        var generate = await CliRunner.RunAsync(["generate", "Hello", "--target", output, "--draft", checkpoints.Draft, "--max-tokens", "12", "--timed-runs", "1"], "", checkpoints.Root);
        generate.ExitCode.Should().Be(0, generate.Output);
    }

    [Fact]
    public async Task Bad_input_is_one_line_and_writes_nothing()
    {
        var missing = await CliRunner.RunAsync(["quantize", Path.Combine(checkpoints.Root, "nowhere"), "--out", Path.Combine(checkpoints.Root, "q1")], "", checkpoints.Root);
        missing.ExitCode.Should().NotBe(0);
        missing.Lines().Should().ContainSingle().Which.Should().Contain("nowhere");

        var noOut = await CliRunner.RunAsync(["quantize", checkpoints.Target], "", checkpoints.Root);
        noOut.ExitCode.Should().NotBe(0);
        noOut.Lines().Should().ContainSingle().Which.Should().Contain("--out");

        string occupied = Path.Combine(checkpoints.Root, "occupied");
        Directory.CreateDirectory(occupied);
        File.WriteAllText(Path.Combine(occupied, "notes.txt"), "keep me");
        var notEmpty = await CliRunner.RunAsync(["quantize", checkpoints.Target, "--out", occupied], "", checkpoints.Root);
        notEmpty.ExitCode.Should().NotBe(0);
        notEmpty.Lines().Should().ContainSingle().Which.Should().Contain("not empty");
        Directory.EnumerateFileSystemEntries(occupied).Should().ContainSingle();

        var intoInput = await CliRunner.RunAsync(["quantize", checkpoints.Target, "--out", Path.Combine(checkpoints.Target, "int8")], "", checkpoints.Root);
        intoInput.ExitCode.Should().NotBe(0);
        intoInput.Lines().Should().ContainSingle().Which.Should().Contain("input");

        string once = Path.Combine(checkpoints.Root, "once");
        (await CliRunner.RunAsync(["quantize", checkpoints.Draft, "--out", once], "", checkpoints.Root)).ExitCode.Should().Be(0);
        var twice = await CliRunner.RunAsync(["quantize", once, "--out", Path.Combine(checkpoints.Root, "twice")], "", checkpoints.Root);
        twice.ExitCode.Should().NotBe(0);
        twice.Lines().Should().ContainSingle().Which.Should().Contain("already holds int8 weights");
        Directory.Exists(Path.Combine(checkpoints.Root, "twice")).Should().BeFalse();
        Directory.Exists(Path.Combine(checkpoints.Root, "q1")).Should().BeFalse();
        Directory.EnumerateDirectories(checkpoints.Root, ".*quantize-*").Should().BeEmpty();
    }

    [Fact]
    public async Task An_empty_out_directory_is_used()
    {
        string empty = Path.Combine(checkpoints.Root, "empty");
        Directory.CreateDirectory(empty);
        var result = await CliRunner.RunAsync(["quantize", checkpoints.Draft, "--out", empty], "", checkpoints.Root);
        result.ExitCode.Should().Be(0, result.Output);
        File.Exists(Path.Combine(empty, Checkpoint.WeightsFileName)).Should().BeTrue();
    }

    [Fact]
    public async Task Training_from_an_int8_checkpoint_is_refused_in_one_line()
    {
        string int8 = Path.Combine(checkpoints.Root, "train-int8");
        (await CliRunner.RunAsync(["quantize", checkpoints.Draft, "--out", int8], "", checkpoints.Root)).ExitCode.Should().Be(0);
        var train = await CliRunner.RunAsync(["train", "--from", int8, "--steps", "1", "--out", Path.Combine(checkpoints.Root, "trained")], "", checkpoints.Root);
        train.ExitCode.Should().NotBe(0);
        train.Lines().Should().ContainSingle().Which.Should().Contain("int8 weights, which have no gradients");
    }
}
