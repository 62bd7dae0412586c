using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli.Tests;

public sealed class CheckCausalityCommandTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task A_causal_model_passes_in_every_form_with_exit_code_0()
    {
        var result = await CliRunner.RunAsync(["check-causality", checkpoints.Target]);

        result.ExitCode.Should().Be(0, result.Output);
        foreach (var form in new[] { "forward", "step", "verify" })
            result.Lines().Should().ContainSingle(l => l.StartsWith(form + ": causal"));
        result.Lines()[^1].Should().StartWith("causal:");
    }

    [Fact]
    public async Task An_inclusive_global_prefix_leaks_and_exits_with_1()
    {
        // The global term over the query's own group lets a token see the later tokens of its group; alpha 1 makes it count.
        var leaky = TinyCheckpoints.Config(width: 32, layers: 2, MixerSpec.AugmentedLinear(2,
            new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3, InclusiveGlobalPrefix = true, AlphaInit = 1 }));
        string directory = checkpoints.Save("leaky-prefix", leaky, seed: 4);

        var result = await CliRunner.RunAsync(["check-causality", directory, "--length", "32"]);

        result.ExitCode.Should().Be(CheckCausalityCommand.NotCausal, result.Output);
        result.Lines().Should().ContainSingle(l => l.StartsWith("forward: LEAKS"));
        result.Lines()[^1].Should().StartWith("NOT CAUSAL");
    }

    [Fact]
    public async Task Bidirectional_softmax_leaks_in_forward_and_exits_with_1()
    {
        string directory = checkpoints.Save("leaky-softmax", TinyCheckpoints.Config(width: 32, layers: 1, MixerSpec.Softmax(2, bidirectional: true)), seed: 5);

        var result = await CliRunner.RunAsync(["check-causality", directory]);

        result.ExitCode.Should().Be(1, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("forward: LEAKS"));
    }

    [Fact]
    public async Task A_position_outside_the_probe_is_one_line()
    {
        var result = await CliRunner.RunAsync(["check-causality", checkpoints.Target, "--length", "8", "--position", "8"]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("--position");
    }
}

public sealed class NonFiniteCausalityTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task All_NaN_weights_are_reported_as_NaN_not_as_a_leak()
    {
        string directory = Path.Combine(checkpoints.Root, "nan");
        using (var model = Runtime.Checkpoints.Checkpoint.Load(checkpoints.Target))
        {
            using (TorchSharp.torch.no_grad())
            {
                foreach (var parameter in model.parameters()) parameter.fill_(double.NaN);
            }
            Runtime.Checkpoints.Checkpoint.Save(model, directory);
        }

        var result = await CliRunner.RunAsync(["check-causality", directory]);

        result.ExitCode.Should().Be(CheckCausalityCommand.NotCausal, result.Output);
        result.Lines().Should().ContainSingle(l => l.StartsWith("forward: the model produces NaN at position 0; causality cannot be judged"));
        result.Output.Should().NotContain("LEAKS").And.NotContain("NOT CAUSAL");
        result.Lines()[^1].Should().Contain("causality cannot be judged");
    }
}
