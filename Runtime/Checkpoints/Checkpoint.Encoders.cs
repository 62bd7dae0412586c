using System.Text;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// Checkpoints of encoders and seq2seq models: the same two files as a causal LM's, written the same atomic way, with
/// the weights under the model's own state-dict keys (embed_tokens.*, encoder.layers.{i}.*, encoder.norm.*,
/// decoder.layers.{i}.* with cross_attn.*, decoder.norm.*, mlm_head.* or lm_head.*) and config.json naming the architecture.
/// </summary>
public static partial class Checkpoint
{
    /// <summary>Saves an encoder with its config into <paramref name="directory"/> (created if needed).</summary>
    public static void Save(EncoderModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        SaveModule(model, model.Config, directory);
    }

    /// <summary>Saves a seq2seq model with its config into <paramref name="directory"/> (created if needed).</summary>
    public static void Save(Seq2SeqModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        SaveModule(model, model.Config, directory);
    }

    /// <summary>Loads the encoder in <paramref name="directory"/> (written by <see cref="Save(EncoderModel, string)"/>).</summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="dtype">Element type of the model; defaults to the type stored in the weights file.</param>
    /// <param name="device">Device of the model; defaults to the CPU.</param>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config's model (lists every difference).</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt, or config.json describes another architecture.</exception>
    public static EncoderModel LoadEncoder(string directory, ScalarType? dtype = null, Device? device = null)
        => LoadModule(directory, ModelArchitecture.Encoder, dtype, device, (config, type) => ModelFactory.CreateEncoder(config, dtype: type));

    /// <summary>Loads the seq2seq model in <paramref name="directory"/> (written by <see cref="Save(Seq2SeqModel, string)"/>).</summary>
    /// <inheritdoc cref="LoadEncoder" path="/param"/>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config's model (lists every difference).</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt, or config.json describes another architecture.</exception>
    public static Seq2SeqModel LoadSeq2Seq(string directory, ScalarType? dtype = null, Device? device = null)
        => LoadModule(directory, ModelArchitecture.Seq2Seq, dtype, device, (config, type) => ModelFactory.CreateSeq2Seq(config, dtype: type));

    static void SaveModule(nn.Module model, ModelConfig config, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string json = ModelConfigJson.Serialize(config);
        Directory.CreateDirectory(directory);
        using (var scope = NewDisposeScope())
        {
            var tensors = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().cpu().contiguous(), StringComparer.Ordinal);
            AtomicFile.Write(Path.Combine(directory, WeightsFileName), stream => Safetensors.SaveStateDict(stream, tensors, leaveOpen: true));
        }
        AtomicFile.Write(Path.Combine(directory, ConfigFileName), stream => stream.Write(Encoding.UTF8.GetBytes(json)));
    }

    static T LoadModule<T>(string directory, ModelArchitecture architecture, ScalarType? dtype, Device? device, Func<ModelConfig, ScalarType, T> create)
        where T : nn.Module
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
        RefuseArchitecture(config, architecture, configPath);
        var header = SafetensorsHeader.Read(weightsPath);
        WeightsAgreement.ThrowIfNotFloat(header.Entries, weightsPath);
        var type = dtype ?? SafetensorsHeader.FirstFloatType(header.Entries) ?? ScalarType.Float32;
        ModelMemory.EnsureFits(config, type, $"Model config '{configPath}'");
        // A config that needs more weights than the file holds cannot be its config: refuse before building anything.
        double held = header.Entries.Sum(e => e.Shape.Aggregate(1.0, (product, size) => product * size));
        double needed = ModelMemory.WeightCount(config);
        if (needed > held)
            throw new InvalidDataException($"'{configPath}' does not belong to the weights '{weightsPath}': it describes a model of at least {needed:0} weights, but the file holds {held:0}. Use the config.json saved with these weights.");
        var model = create(config, type);
        try
        {
            var expected = model.state_dict().Select(p => new CheckpointTensor(p.Key, p.Value.shape)).ToList();
            var found = header.Entries.Select(e => new CheckpointTensor(e.Name, e.Shape)).ToList();
            CheckpointMismatchException.ThrowIfDifferent(expected, found, weightsPath);
            using var scope = NewDisposeScope();
            Dictionary<string, Tensor> stored;
            using (var stream = File.OpenRead(weightsPath)) stored = Safetensors.LoadStateDict(stream, leaveOpen: true);
            using (no_grad())
            {
                foreach (var (key, target) in model.state_dict()) target.copy_(stored[key]);
            }
            if (device is not null) model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>A folder of another architecture is refused in one line that names the method that loads it.</summary>
    static void RefuseArchitecture(ModelConfig config, ModelArchitecture wanted, string configPath)
    {
        if (config.Architecture == wanted) return;
        string method = config.Architecture switch
        {
            ModelArchitecture.Encoder => "Checkpoint.LoadEncoder",
            ModelArchitecture.Seq2Seq => "Checkpoint.LoadSeq2Seq",
            _ => "Checkpoint.Load",
        };
        string what = config.Architecture switch { ModelArchitecture.Encoder => "an encoder", ModelArchitecture.Seq2Seq => "a seq2seq model", _ => "a causal LM" };
        throw new InvalidDataException($"Model config '{configPath}' describes {what}; load it with {method}.");
    }
}
