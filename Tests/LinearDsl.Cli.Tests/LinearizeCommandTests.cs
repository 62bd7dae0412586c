using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli.Tests;

/// <summary>lineardsl linearize on a softmax checkpoint, and its errors.</summary>
public sealed class LinearizeCommandTests : IClassFixture<TinyCheckpoints>
{
    readonly TinyCheckpoints checkpoints;

    public LinearizeCommandTests(TinyCheckpoints checkpoints) => this.checkpoints = checkpoints;

    [Fact]
    public async Task A_softmax_checkpoint_becomes_an_augmented_linear_model_that_loads_and_is_causal()
    {
        string output = Path.Combine(checkpoints.Root, "linearized");
        var result = await CliRunner.RunAsync(["linearize", checkpoints.Softmax, "--out", output, "--group-size", "4", "--conv-taps", "3", "--keep-softmax", "0"], "", checkpoints.Root);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain("1 of 2 layers now augmented linear attention");
        var config = ModelConfigJson.Read(Path.Combine(output, Checkpoint.ConfigFileName));
        config.MixerFor(0).Kind.Should().Be(MixerKind.Softmax);
        config.MixerFor(1).Kind.Should().Be(MixerKind.AugmentedLinear);
        config.MixerFor(1).Augmented!.GroupSize.Should().Be(4);

        using (var linear = Checkpoint.Load(output))
        using (var softmax = Checkpoint.Load(checkpoints.Softmax))
        {
            var reused = softmax.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in linear.named_parameters())
            {
                if (reused.TryGetValue(name, out var source)) parameter.equal(source).all().item<bool>().Should().BeTrue($"{name} is reused bit for bit");
                else (name.EndsWith("alpha") || name.EndsWith("conv_weight")).Should().BeTrue($"{name} is new");
            }
        }
        var probe = await CliRunner.RunAsync(["check-causality", output], "", checkpoints.Root);
        probe.ExitCode.Should().Be(0, probe.Output);
    }

    [Fact]
    public async Task A_model_that_is_already_linear_or_a_missing_source_is_one_line()
    {
        var linear = await CliRunner.RunAsync(["linearize", checkpoints.Target, "--out", Path.Combine(checkpoints.Root, "again")], "", checkpoints.Root);
        linear.ExitCode.Should().NotBe(0);
        linear.Lines().Should().ContainSingle();

        var missing = await CliRunner.RunAsync(["linearize", Path.Combine(checkpoints.Root, "nowhere"), "--out", "x"], "", checkpoints.Root);
        missing.ExitCode.Should().NotBe(0);
        missing.Lines().Should().ContainSingle().Which.Should().Contain("nowhere");

        var noOut = await CliRunner.RunAsync(["linearize", checkpoints.Softmax], "", checkpoints.Root);
        noOut.ExitCode.Should().NotBe(0);
        noOut.Lines().Should().ContainSingle().Which.Should().Contain("--out");
    }
}
