using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// Loads a local Hugging Face LLaMA or GPT-2 folder (config.json plus model.safetensors, or shards listed by
/// model.safetensors.index.json) into the matching softmax <see cref="CausalLanguageModel"/>. Nothing is ever
/// downloaded. Every header is checked before a tensor is read; all missing, unexpected and mis-shaped tensors are
/// reported in one <see cref="CheckpointMismatchException"/>. The model carries its <see cref="ModelConfig"/>, so
/// <see cref="Checkpoint.Save(CausalLanguageModel, string)"/> works on it.
/// </summary>
public static partial class HuggingFaceCheckpoint
{
    /// <summary>Builds the softmax model that <paramref name="folder"/>'s config.json describes and fills it from its weights.</summary>
    /// <param name="folder">A local Hugging Face model folder.</param>
    /// <param name="dtype">Element type of the model; defaults to the floating type stored in the weights.</param>
    /// <param name="device">Device of the model; defaults to the CPU.</param>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config (lists every difference).</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt, or the config asks for something unsupported (the message names the file).</exception>
    /// <exception cref="FileNotFoundException">config.json, the weights or a shard is missing.</exception>
    public static CausalLanguageModel Load(string folder, ScalarType? dtype = null, Device? device = null)
    {
        var config = HuggingFaceConfig.Read(folder);
        var files = HuggingFaceWeightFiles.Open(folder);
        var type = dtype ?? StoredFloatType(files) ?? ScalarType.Float32;
        string configPath = Path.Combine(folder, Checkpoint.ConfigFileName);
        ModelMemory.EnsureFits(config.Model, type, $"Hugging Face config '{configPath}'");
        WeightsAgreement.ThrowIfDisagree(config.Model, files.Files.SelectMany(f => f.Header.Entries).ToList(), configPath, files.Description, ourLayout: false);
        var model = ModelFactory.Create(config.Model, dtype: type);
        try
        {
            LoadWeights(model, config.Architecture, files);
            if (device is not null) model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Fills an existing softmax model (of the folder's architecture and shapes) from the weights in <paramref name="folder"/>.</summary>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the model (lists every difference).</exception>
    /// <exception cref="InvalidDataException">A weights file is truncated or corrupt (the message names it).</exception>
    public static void LoadWeights(CausalLanguageModel model, string folder, HuggingFaceArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        LoadWeights(model, architecture, HuggingFaceWeightFiles.Open(folder));
    }

    static void LoadWeights(CausalLanguageModel model, HuggingFaceArchitecture architecture, HuggingFaceWeightFiles files)
    {
        var found = files.Tensors;
        var map = HuggingFaceKeyMap.For(model, architecture, found.Select(t => t.Key));
        map.ThrowIfMismatched(found, files.Description, model.TiedEmbeddings);
        var needed = map.Expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, header) in files.Files) WeightsAgreement.ThrowIfNotFloat(header.Entries.Where(e => needed.Contains(e.Name)), path);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var targets = model.state_dict();
        var pending = map.Sources.ToList();
        var carried = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var wanted = map.Expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        Tensor? tiedHead = null;
        foreach (var (path, _) in files.Files)
        {
            // Each file's tensors live in their own scope; only parts of a fused tensor whose other parts are in a
            // later shard (and a tied model's stored lm_head, checked at the end) outlive it.
            using var fileScope = NewDisposeScope();
            var added = new List<string>();
            foreach (var (key, tensor) in ReadFile(path))
            {
                if (wanted.Contains(key))
                {
                    carried[key] = tensor;
                    added.Add(key);
                }
                else if (model.TiedEmbeddings && key == "lm_head.weight")
                {
                    tiedHead = tensor.MoveToOuterDisposeScope();
                }
            }
            foreach (var source in pending.Where(s => s.Parts.All(p => carried.ContainsKey(p.Key))).ToList())
            {
                targets[source.ModuleKey].copy_(source.Assemble(carried));
                foreach (var part in source.Parts) carried.Remove(part.Key);
                pending.Remove(source);
            }
            foreach (var key in added.Where(carried.ContainsKey)) carried[key] = carried[key].MoveToOuterDisposeScope();
        }
        if (pending.Count > 0)
            throw new InvalidOperationException($"Tensors for {string.Join(", ", pending.Select(s => s.ModuleKey))} were never read; the checked headers and the files disagree.");
        if (tiedHead is not null) CheckTiedHead(model, tiedHead, files.Description);
    }

    /// <summary>A tied model has no lm_head; a stored one is accepted only when it repeats the embedding.</summary>
    static void CheckTiedHead(CausalLanguageModel model, Tensor head, string path)
    {
        using var embedding = model.TokenEmbedding.weight!;
        if (!head.to_type(embedding.dtype).equal(embedding).all().item<bool>())
            throw new InvalidDataException($"'{path}' holds an lm_head.weight that differs from the token embedding, but config.json says the embeddings are tied (tie_word_embeddings); set tie_word_embeddings to false to load a separate output head.");
    }

    static Dictionary<string, Tensor> ReadFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Safetensors.LoadStateDict(stream, leaveOpen: true);
        }
        catch (Exception error) when (error is not (IOException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"Checkpoint weights '{path}' cannot be read: {error.Message}", error);
        }
    }

    static ScalarType? StoredFloatType(HuggingFaceWeightFiles files)
        => SafetensorsHeader.FirstFloatType(files.Files.SelectMany(f => f.Header.Entries));
}
