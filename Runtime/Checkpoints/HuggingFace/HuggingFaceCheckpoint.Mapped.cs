using System.Text.Json;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

// What the encoder (BERT) and seq2seq (T5) imports share: reading config.json through a family's reader, and building
// and filling the model.
public static partial class HuggingFaceCheckpoint
{
    /// <summary>
    /// Builds the model of <paramref name="config"/> (after checking that it fits in memory) in the stored or the asked
    /// element type, fills it from the folder's weights, and moves it to <paramref name="device"/>; a failure frees it.
    /// </summary>
    static T LoadMapped<T>(string folder, ModelConfig config, ScalarType? dtype, Device? device, Func<ModelConfig, ScalarType, T> create, Action<T, HuggingFaceWeightFiles> fill)
        where T : nn.Module
    {
        var files = HuggingFaceWeightFiles.Open(folder);
        var type = dtype ?? StoredFloatType(files) ?? ScalarType.Float32;
        ModelMemory.EnsureFits(config, type, $"Hugging Face config '{Path.Combine(folder, HuggingFaceConfig.FileName)}'");
        var model = create(config, type);
        try
        {
            fill(model, files);
            if (device is not null) model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>
    /// Parses <paramref name="folder"/>'s config.json and reads it with <paramref name="read"/> (given its model_type),
    /// then refuses a config the runtime cannot build, listing every problem.
    /// </summary>
    static ModelConfig ReadConfig(string folder, Func<HuggingFaceConfigReader, string, ModelConfig> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Hugging Face model folder '{folder}' does not exist.");
        string path = Path.Combine(folder, HuggingFaceConfig.FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing: a Hugging Face model folder holds {HuggingFaceConfig.FileName} next to its weights.", path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"Hugging Face config '{path}' is not valid JSON: {error.Message}", error);
        }
        using (document)
        {
            var reader = new HuggingFaceConfigReader(document.RootElement, path);
            var config = read(reader, reader.String("model_type", null));
            var problems = config.Problems();
            if (problems.Count > 0)
                throw reader.Error("it describes a model the runtime cannot build:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)));
            return config;
        }
    }
}
