using System.Text.Json;
using LinearDsl.Models;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using TorchSharp.PyBridge;

namespace LinearDsl.Python.Tests;

/// <summary>
/// Python parity at the declared sizes (groups of 64, 32 conv taps, 70 tokens across a group border): every
/// architecture declared in LinearDsl.Models with random weights in float32 (alpha and conv too), and the bundled trained
/// target and draft read as float64, where trained logits of magnitude 20 leave float32 no room for 1e-5.
/// </summary>
public sealed class DeclaredModelsRun : IDisposable
{
    public static IReadOnlyDictionary<string, ModelConfig> Declared { get; } = new SortedDictionary<string, ModelConfig>(StringComparer.Ordinal)
    {
        [nameof(AugLlama)] = AugLlama.Config,
        [nameof(AugLlamaDraft)] = AugLlamaDraft.Config,
        [nameof(SoftmaxLlama)] = SoftmaxLlama.Config,
        [nameof(HybridLlama)] = HybridLlama.Config,
        [nameof(EluLinearLlama)] = EluLinearLlama.Config,
        [nameof(ReluLinearLlama)] = ReluLinearLlama.Config,
        [nameof(PerformerLlama)] = PerformerLlama.Config,
        [nameof(HedgehogLlama)] = HedgehogLlama.Config,
        [nameof(FlashStyleLlama)] = FlashStyleLlama.Config,
        [nameof(Gpt2Softmax)] = Gpt2Softmax.Config,
        [nameof(Gpt2Linear)] = Gpt2Linear.Config,
        [nameof(Gpt2LinearDraft)] = Gpt2LinearDraft.Config,
    };

    public DeclaredModelsRun()
    {
        Root = Path.Combine(Path.GetTempPath(), "lineardsl-python-declared-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        using (var tokens = Tokens()) Safetensors.SaveStateDict(TokensPath, new Dictionary<string, Tensor> { ["tokens"] = tokens });
        var jobs = new List<Dictionary<string, object>>();
        ulong seed = 100;
        foreach (var (name, config) in Declared)
        {
            ParityRun.SaveRandom(config, Checkpoint(name), seed++, ScalarType.Float32);
            jobs.Add(new() { ["command"] = "logits", ["dir"] = Checkpoint(name), ["tokens"] = TokensPath, ["out"] = Checkpoint(name) + ".logits.safetensors" });
        }
        foreach (string bundled in new[] { "target", "draft" })
            jobs.Add(new() { ["command"] = "logits", ["dir"] = Bundled(bundled), ["tokens"] = TokensPath, ["out"] = Checkpoint("bundled-" + bundled) + ".logits.safetensors", ["dtype"] = "float64" });
        string jobsPath = Path.Combine(Root, "jobs.json");
        File.WriteAllText(jobsPath, JsonSerializer.Serialize(jobs));
        try
        {
            PythonTorch.Run("batch", jobsPath);
        }
        catch (Exception error)
        {
            Failure = error.Message;
        }
    }

    public string Root { get; }

    public string? Failure { get; }

    string TokensPath => Path.Combine(Root, "tokens.safetensors");

    public string Checkpoint(string name) => Path.Combine(Root, name);

    public static string Bundled(string name) => Path.Combine(PythonTorch.RepositoryRoot, "Models", "bundled", name);

    /// <summary>Two rows of 70 byte tokens: past the first group of 64, with a partial second group.</summary>
    public static Tensor Tokens() => arange(140, ScalarType.Int64).mul(73).add(11).remainder(256).view(2, 70);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

public sealed class DeclaredModelsTests(DeclaredModelsRun run) : IClassFixture<DeclaredModelsRun>
{
    public static TheoryData<string> Names => new(DeclaredModelsRun.Declared.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Python_computes_the_declared_architectures_logits(string name)
    {
        run.Failure.Should().BeNull();
        using var scope = NewDisposeScope();
        using var model = Checkpoint.Load(run.Checkpoint(name));
        var python = ParityRun.PythonLogits(run.Checkpoint(name));

        model.Config.Should().Be(DeclaredModelsRun.Declared[name]);
        PythonParityTests.MaxDifference(python["parallel"], model.Forward(DeclaredModelsRun.Tokens())).Should().BeLessThan(1e-5);
        PythonParityTests.MaxDifference(python["step"], python["parallel"]).Should().BeLessThan(1e-5);
    }

    [Theory]
    [InlineData("target")]
    [InlineData("draft")]
    public void Python_computes_the_bundled_trained_models_logits_in_float64(string name)
    {
        run.Failure.Should().BeNull();
        using var scope = NewDisposeScope();
        using var model = Checkpoint.Load(DeclaredModelsRun.Bundled(name), ScalarType.Float64);
        var python = ParityRun.PythonLogits(run.Checkpoint("bundled-" + name));
        var expected = model.Forward(DeclaredModelsRun.Tokens());

        expected.abs().max().item<double>().Should().BeGreaterThan(5, "trained logits are large");
        PythonParityTests.MaxDifference(python["parallel"], expected).Should().BeLessThan(1e-10);
        PythonParityTests.MaxDifference(python["step"], python["parallel"]).Should().BeLessThan(1e-10);
    }
}
