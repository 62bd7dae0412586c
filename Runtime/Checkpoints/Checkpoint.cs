using System.Text;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// A checkpoint directory: model.safetensors (weights under Hugging Face LLaMA keys, see
/// <see cref="CheckpointKeyMap"/>) and config.json (<see cref="ModelConfigJson"/>). Each file is written to a
/// temporary name and renamed, so neither is ever half-written; the weights are renamed before the config.
/// Loading checks the whole file against the model before reading a tensor and reports every difference at once.
/// </summary>
public static partial class Checkpoint
{
    /// <summary>File name of the weights.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>File name of the config.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>Saves a model built from a config (<see cref="CausalLanguageModel.Config"/>) into <paramref name="directory"/>.</summary>
    public static void Save(CausalLanguageModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config ?? throw new ArgumentException(
            "This model carries no ModelConfig (it was assembled by hand); pass the config that describes it to Save(model, config, directory).", nameof(model));
        Save(model, config, directory);
    }

    /// <summary>Saves <paramref name="model"/> with <paramref name="config"/> into <paramref name="directory"/> (created if needed).</summary>
    public static void Save(CausalLanguageModel model, ModelConfig config, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        CheckConfigDescribes(config, model);
        // Heads belong to the model instance (trained onto it, or declared): the file describes the heads it holds.
        if (!Equals(config.MedusaHeads, model.Medusa?.Spec)) config = config with { MedusaHeads = model.Medusa?.Spec };
        string json = ModelConfigJson.Serialize(config);
        Directory.CreateDirectory(directory);
        var map = CheckpointKeyMap.For(model);
        using (var scope = NewDisposeScope())
        {
            if (model.HasInt8Weights)
            {
                Int8Checkpoint.Save(model, map, Path.Combine(directory, WeightsFileName));
            }
            else
            {
                var tensors = map.ToCheckpoint(model);
                AtomicFile.Write(Path.Combine(directory, WeightsFileName), stream => Safetensors.SaveStateDict(stream, tensors, leaveOpen: true));
            }
        }
        AtomicFile.Write(Path.Combine(directory, ConfigFileName), stream => stream.Write(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>
    /// Loads the model in <paramref name="directory"/>: builds it from config.json and fills it from model.safetensors.
    /// </summary>
    /// <param name="directory">A directory written by <see cref="Save(CausalLanguageModel, string)"/>.</param>
    /// <param name="dtype">Element type of the model; defaults to the type stored in the weights file.</param>
    /// <param name="device">Device of the model; defaults to the CPU.</param>
    /// <param name="int8Weights">
    /// Quantize the projections and the untied output head to block-wise int8 on load
    /// (<see cref="CausalLanguageModel.QuantizeToInt8"/>). A checkpoint saved with int8 weights loads with them either way.
    /// </param>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config's model (lists every difference).</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt, the config does not belong to the weights, or a weight is not floating point (the message names it).</exception>
    /// <exception cref="ModelTooLargeException">The config's weights would not fit in memory (nothing is allocated).</exception>
    /// <exception cref="NotSupportedException">int8 weights with a device other than the CPU or a type other than float32/float64.</exception>
    public static CausalLanguageModel Load(string directory, ScalarType? dtype = null, Device? device = null, bool int8Weights = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Checkpoint directory '{directory}' does not exist.");
        string configPath = Path.Combine(directory, ConfigFileName), weightsPath = Path.Combine(directory, WeightsFileName);
        foreach (var path in new[] { configPath, weightsPath })
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"'{path}' is missing: a checkpoint directory holds {ConfigFileName} and {WeightsFileName}, as written by Checkpoint.Save.", path);
        }
        var config = ModelConfigJson.Read(configPath);
        RefuseArchitecture(config, ModelArchitecture.CausalLM, configPath);
        var header = SafetensorsHeader.Read(weightsPath);
        var entries = Int8Checkpoint.IsQuantized(header.Entries) ? Int8Checkpoint.AsFloatEntries(header.Entries, weightsPath) : header.Entries;
        WeightsAgreement.ThrowIfNotFloat(entries, weightsPath);
        var type = dtype ?? SafetensorsHeader.FirstFloatType(entries) ?? ScalarType.Float32;
        bool int8 = int8Weights || Int8Checkpoint.IsQuantized(header.Entries);
        if (int8 && (type is not (ScalarType.Float32 or ScalarType.Float64) || (device is not null && device.type != DeviceType.CPU)))
            throw new NotSupportedException($"int8 weights run in the CPU decode program of float32 and float64 models, not {type} on {device?.ToString() ?? "cpu"}; load them on the CPU in float32.");
        // Sizes before the weights: a config too large for memory says how large, whatever file sits beside it.
        ModelMemory.EnsureFits(config, type, $"Model config '{configPath}'");
        WeightsAgreement.ThrowIfDisagree(config, entries, configPath, weightsPath, ourLayout: true);
        var model = ModelFactory.Create(config, dtype: type);
        try
        {
            LoadWeights(model, weightsPath, header);
            if (int8Weights) model.QuantizeToInt8();
            if (device is not null) model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Fills <paramref name="model"/>'s parameters and buffers from a weights file, converting to their dtype.</summary>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the model (lists every difference).</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt.</exception>
    public static void LoadWeights(CausalLanguageModel model, string weightsPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(weightsPath);
        LoadWeights(model, weightsPath, SafetensorsHeader.Read(weightsPath));
    }

    static void LoadWeights(CausalLanguageModel model, string weightsPath, SafetensorsHeader header)
    {
        bool quantized = Int8Checkpoint.IsQuantized(header.Entries);
        var entries = quantized ? Int8Checkpoint.AsFloatEntries(header.Entries, weightsPath) : header.Entries;
        WeightsAgreement.ThrowIfNotFloat(entries, weightsPath);
        var map = CheckpointKeyMap.For(model);
        map.ThrowIfMismatched(entries.Select(e => new CheckpointTensor(e.Name, e.Shape)).ToList(), weightsPath);
        if (quantized)
        {
            Int8Checkpoint.LoadWeights(model, map, weightsPath, header);
            return;
        }
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> stored;
        using (var stream = File.OpenRead(weightsPath)) stored = Safetensors.LoadStateDict(stream, leaveOpen: true);
        var tensors = map.ToModule(stored);
        using var noGrad = no_grad();
        foreach (var (key, target) in model.state_dict()) target.copy_(tensors[key]);
        // An int8 model stays int8: its int8 weights follow the float ones just loaded.
        model.RequantizeInt8();
    }

    /// <summary>Cheap checks that the config describes the model, so that a checkpoint never pairs weights with a foreign config.</summary>
    static void CheckConfigDescribes(ModelConfig config, CausalLanguageModel model)
    {
        var differences = new List<string>();
        if (config.VocabSize != model.VocabSize) differences.Add($"vocab_size {config.VocabSize} vs the model's {model.VocabSize}");
        if (config.Width != model.Width) differences.Add($"width {config.Width} vs the model's {model.Width}");
        if (config.Layers != model.Layers.Count) differences.Add($"layers {config.Layers} vs the model's {model.Layers.Count}");
        if (config.TieEmbeddings != model.TiedEmbeddings) differences.Add($"tie_embeddings {config.TieEmbeddings} vs the model's {model.TiedEmbeddings}");
        bool learned = config.Positions == PositionKind.Learned;
        if (learned != model.PositionTableLength.HasValue || (learned && config.ContextLength != model.PositionTableLength))
            differences.Add($"positions {config.Positions} (context_length {config.ContextLength}) vs the model's position table of {model.PositionTableLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} rows");
        if (differences.Count > 0)
            throw new ArgumentException("The config does not describe this model: " + string.Join("; ", differences) + ".", nameof(config));
    }
}
