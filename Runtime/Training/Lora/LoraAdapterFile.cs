using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// An adapter folder: adapter_config.json (rank, alpha, targets, seed) and adapters.safetensors with
/// <c>{projection}.lora_A</c> [rank, in] and <c>{projection}.lora_B</c> [out, rank] per adapted projection, the
/// naming PEFT uses. Each file goes to a temporary name first and is renamed into place.
/// </summary>
internal static class LoraAdapterFile
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapters.safetensors";

    public static string KeyOfA(string projection) => projection + ".lora_A";

    public static string KeyOfB(string projection) => projection + ".lora_B";

    /// <summary>The projection a stored key belongs to.</summary>
    public static string ProjectionOf(string key) => key[..key.LastIndexOf('.')];

    public static void Write(string directory, LoraOptions options, IReadOnlyList<LoraAdapter> adapters)
    {
        Directory.CreateDirectory(directory);
        using (var scope = NewDisposeScope())
        {
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var adapter in adapters)
            {
                tensors[KeyOfA(adapter.Name)] = adapter.A.detach().cpu();
                tensors[KeyOfB(adapter.Name)] = adapter.B.detach().cpu();
            }
            WriteWhole(Path.Combine(directory, WeightsFileName), stream => Safetensors.SaveStateDict(stream, tensors, leaveOpen: true));
        }
        var config = new JsonObject
        {
            ["rank"] = options.Rank,
            ["alpha"] = options.Alpha,
            ["targets"] = options.Targets.ToString(),
            ["seed"] = options.Seed,
        };
        WriteWhole(Path.Combine(directory, ConfigFileName), stream => JsonSerializer.Serialize(stream, config, Indented));
    }

    /// <summary>The options and tensors of an adapter folder (the caller disposes the tensors).</summary>
    public static (LoraOptions Options, Dictionary<string, Tensor> Tensors) Read(string directory)
    {
        string configPath = Path.Combine(directory, ConfigFileName), weightsPath = Path.Combine(directory, WeightsFileName);
        foreach (var path in new[] { configPath, weightsPath })
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"'{path}' is missing: an adapter folder holds {ConfigFileName} and {WeightsFileName}, as written by LoraAdapters.Save.", path);
        }
        LoraOptions options;
        try
        {
            var config = JsonNode.Parse(File.ReadAllText(configPath)) ?? throw new InvalidDataException("empty");
            options = new LoraOptions
            {
                Rank = config["rank"]!.GetValue<int>(),
                Alpha = config["alpha"]!.GetValue<double>(),
                Targets = Enum.Parse<LoraTargets>(config["targets"]!.GetValue<string>()),
                Seed = config["seed"]!.GetValue<ulong>(),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or ArgumentException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"'{configPath}' is not an adapter config with rank, alpha, targets and seed ({e.Message}).", e);
        }
        if (options.Problems() is { Count: > 0 } problems)
            throw new InvalidDataException($"'{configPath}' holds invalid settings: {string.Join(" ", problems)}");
        using var stream = File.OpenRead(weightsPath);
        try
        {
            var tensors = Safetensors.LoadStateDict(stream, leaveOpen: true);
            foreach (var tensor in tensors.Values) tensor.DetachFromDisposeScope();
            return (options, tensors);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{weightsPath}' is not a readable safetensors file ({e.Message}).", e);
        }
    }

    static void WriteWhole(string path, Action<Stream> write)
    {
        string temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
