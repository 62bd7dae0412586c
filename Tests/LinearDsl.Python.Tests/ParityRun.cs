using System.Text.Json;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using TorchSharp.PyBridge;

namespace LinearDsl.Python.Tests;

/// <summary>
/// Writes every parity case both ways and runs Python once for all of them: a LinearDsl checkpoint of each case (every
/// parameter random, alpha and the conv included) whose logits Python computes, and a checkpoint Python initialises
/// and saves itself, with the logits Python computed for it. Deleted on dispose.
/// </summary>
public sealed class ParityRun : IDisposable
{
    public ParityRun()
    {
        Root = Path.Combine(Path.GetTempPath(), "lineardsl-python-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        using (var tokens = TokensTensor()) Safetensors.SaveStateDict(TokensPath, new Dictionary<string, Tensor> { ["tokens"] = tokens });
        var jobs = new List<Dictionary<string, object>>();
        ulong seed = 1;
        foreach (var (name, config) in ParityCases.All)
        {
            foreach (string dtype in new[] { "float32", "float64" })
            {
                string ours = Ours(name, dtype), theirs = Theirs(name, dtype);
                SaveRandom(config, ours, seed++, dtype == "float64" ? ScalarType.Float64 : ScalarType.Float32);
                jobs.Add(new() { ["command"] = "logits", ["dir"] = ours, ["tokens"] = TokensPath, ["out"] = ours + ".logits.safetensors" });
                jobs.Add(new() { ["command"] = "init", ["config"] = Path.Combine(ours, Checkpoint.ConfigFileName), ["out"] = theirs, ["seed"] = seed++, ["dtype"] = dtype, ["perturb"] = true });
                jobs.Add(new() { ["command"] = "logits", ["dir"] = theirs, ["tokens"] = TokensPath, ["out"] = theirs + ".logits.safetensors" });
            }
        }
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

    /// <summary>Why the Python run failed, or null.</summary>
    public string? Failure { get; }

    public string TokensPath => Path.Combine(Root, "tokens.safetensors");

    /// <summary>The checkpoint LinearDsl wrote for a case.</summary>
    public string Ours(string name, string dtype) => Path.Combine(Root, $"ours-{name}-{dtype}");

    /// <summary>The checkpoint Python wrote for a case.</summary>
    public string Theirs(string name, string dtype) => Path.Combine(Root, $"theirs-{name}-{dtype}");

    /// <summary>Two rows of 13 tokens: longer than three groups of 4 and three chunks of 4, with a partial last one.</summary>
    public static Tensor TokensTensor() => arange(26, ScalarType.Int64).mul(37).remainder(64).view(2, 13);

    /// <summary>The "parallel" and "step" logits Python wrote next to a checkpoint (the caller disposes them).</summary>
    public static Dictionary<string, Tensor> PythonLogits(string checkpoint)
    {
        using var stream = File.OpenRead(checkpoint + ".logits.safetensors");
        return Safetensors.LoadStateDict(stream);
    }

    /// <summary>A model of <paramref name="config"/> with EVERY parameter random, so that no term of the mixers stays at its zero start.</summary>
    internal static void SaveRandom(ModelConfig config, string directory, ulong seed, ScalarType dtype)
    {
        using var model = ModelFactory.Create(config, seed, dtype);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(seed + 1000);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var noise = randn(parameter.shape, ScalarType.Float64, generator: generator).to_type(dtype);
            if (name.EndsWith("mixer.alpha", StringComparison.Ordinal) || name.EndsWith("mixer.conv_weight", StringComparison.Ordinal))
                parameter.copy_(noise.mul(0.3));
            else if (!name.EndsWith(".weight", StringComparison.Ordinal) || name.Contains("norm", StringComparison.Ordinal) || name.Contains("feature_map", StringComparison.Ordinal))
                parameter.add_(noise.mul(0.05));  // norms, biases and feature-map weights
        }
        Checkpoint.Save(model, directory);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
