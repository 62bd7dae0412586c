using LinearDsl.Runtime.Checkpoints;
using TorchSharp;
using TorchSharp.PyBridge;

namespace LinearDsl.Cli.Tests;

/// <summary>Weights stored as integers are refused, naming the key and the dtype.</summary>
public sealed class WeightDtypeTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task An_int32_weight_is_refused_naming_its_key_and_dtype()
    {
        string altered = AlteredCheckpoint.Copy(checkpoints.Target, checkpoints.Root);
        string weights = Path.Combine(altered, Checkpoint.WeightsFileName);
        using (var scope = torch.NewDisposeScope())
        {
            Dictionary<string, torch.Tensor> tensors;
            using (var stream = File.OpenRead(weights)) tensors = Safetensors.LoadStateDict(stream);
            tensors["model.norm.weight"] = tensors["model.norm.weight"].to_type(torch.ScalarType.Int32);
            using var output = File.Create(weights);
            Safetensors.SaveStateDict(output, tensors);
        }

        var result = await CliRunner.RunAsync(["inspect", altered]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("model.norm.weight").And.Contain("I32");
    }
}
