using System.Net;
using System.Net.Sockets;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Python.Tests;

/// <summary>
/// The loop of docs/scale-out.md on a tiny augmented model: python/examples/train.py fine-tunes a LinearDsl checkpoint
/// in PyTorch (one process, and two DistributedDataParallel processes on gloo, started as torchrun starts them) and
/// LinearDsl loads the result with Python's logits.
/// </summary>
public sealed class ExampleTrainingTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "lineardsl-train-example-" + Guid.NewGuid().ToString("N"));

    public ExampleTrainingTests()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Data, string.Concat(Enumerable.Repeat("In the beginning God created the heaven and the earth. ", 20)));
        using var model = ModelFactory.Create(new ModelConfig
        {
            VocabSize = 256, Width = 16, Layers = 2, ContextLength = 32, MlpHidden = 24,
            Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }),
        }, seed: 3);
        Checkpoint.Save(model, Start);
    }

    string Data => Path.Combine(_root, "data.txt");

    string Start => Path.Combine(_root, "start");

    [Fact]
    public void A_model_trained_in_PyTorch_loads_in_LinearDsl_with_Pythons_logits()
    {
        string trained = Path.Combine(_root, "trained");

        PythonTorch.RunScripts("examples/train.py", [new Dictionary<string, string>()], Arguments(trained));

        using var scope = NewDisposeScope();
        using var before = Checkpoint.Load(Start);
        using var after = Checkpoint.Load(trained);
        var alphas = after.named_parameters().Where(p => p.name.EndsWith("mixer.alpha", StringComparison.Ordinal)).ToList();
        alphas.Should().HaveCount(2);
        alphas.Should().OnlyContain(p => p.parameter.abs().item<float>() > 0, "training moved alpha from its zero start");
        var tokens = ParityRun.TokensTensor().remainder(256);
        PythonParityTests.MaxDifference(after.Forward(tokens), before.Forward(tokens)).Should().BeGreaterThan(1e-4, "the weights changed");

        string tokensPath = Path.Combine(_root, "tokens.safetensors");
        TorchSharp.PyBridge.Safetensors.SaveStateDict(tokensPath, new Dictionary<string, Tensor> { ["tokens"] = tokens });
        PythonTorch.Run("logits", trained, "--tokens", tokensPath, "--out", trained + ".logits.safetensors");
        PythonParityTests.MaxDifference(after.Forward(tokens), ParityRun.PythonLogits(trained)["parallel"]).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Two_DistributedDataParallel_processes_train_and_rank_0_saves()
    {
        string trained = Path.Combine(_root, "trained-ddp");
        string port = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var environments = Enumerable.Range(0, 2).Select(rank => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>
        {
            ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port, ["WORLD_SIZE"] = "2",
            ["RANK"] = rank.ToString(System.Globalization.CultureInfo.InvariantCulture), ["LOCAL_RANK"] = rank.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();

        // Sequences of one group (4 tokens) leave the global term at zero: alpha must still take part in the graph,
        // or DistributedDataParallel stops at the second step.
        PythonTorch.RunScripts("examples/train.py", environments, Arguments(trained, length: 4));

        using var model = Checkpoint.Load(trained);
        model.Config!.Mixer.Kind.Should().Be(MixerKind.AugmentedLinear);
    }

    string[] Arguments(string output, int length = 12)
        => ["--checkpoint", Start, "--data", Data, "--out", output, "--steps", "3", "--batch", "2", "--length", length.ToString(System.Globalization.CultureInfo.InvariantCulture), "--lr", "0.01"];

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}
