using System.Text.Json;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// The safetensors files of a Hugging Face folder: model.safetensors, or the shards named by the weight_map of
/// model.safetensors.index.json. Every header is read and checked (truncation, corruption) before any tensor, and
/// the index must agree with the shards it names.
/// </summary>
internal sealed class HuggingFaceWeightFiles
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    HuggingFaceWeightFiles(IReadOnlyList<(string Path, SafetensorsHeader Header)> files) => Files = files;

    /// <summary>Each weights file with its checked header, in load order.</summary>
    public IReadOnlyList<(string Path, SafetensorsHeader Header)> Files { get; }

    /// <summary>Every tensor of every file (key, shape).</summary>
    public IReadOnlyList<CheckpointTensor> Tensors => Files.SelectMany(f => f.Header.Entries).Select(e => new CheckpointTensor(e.Name, e.Shape)).ToList();

    /// <summary>A name for the weights in messages: the single file or the index.</summary>
    public required string Description { get; init; }

    public static HuggingFaceWeightFiles Open(string folder)
    {
        string single = Path.Combine(folder, SingleFileName), index = Path.Combine(folder, IndexFileName);
        if (File.Exists(single)) return new([(single, SafetensorsHeader.Read(single))]) { Description = single };
        if (File.Exists(index)) return FromIndex(folder, index);
        string hint = File.Exists(Path.Combine(folder, "pytorch_model.bin")) || File.Exists(Path.Combine(folder, "pytorch_model.bin.index.json"))
            ? " The folder holds PyTorch .bin weights only; convert them to safetensors first (nothing is downloaded or converted here)."
            : "";
        throw new FileNotFoundException($"'{folder}' holds neither {SingleFileName} nor {IndexFileName}: a Hugging Face folder needs its weights in safetensors.{hint}", single);
    }

    static HuggingFaceWeightFiles FromIndex(string folder, string indexPath)
    {
        var byShard = ReadWeightMap(indexPath);
        var files = new List<(string, SafetensorsHeader)>();
        foreach (var (shard, keys) in byShard.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string path = Path.Combine(folder, shard);
            if (!File.Exists(path))
                throw new FileNotFoundException($"Shard '{path}', named by the weight_map of '{indexPath}', is missing.", path);
            var header = SafetensorsHeader.Read(path);
            var stored = header.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            var absent = keys.Where(k => !stored.Contains(k)).ToList();
            var unlisted = stored.Where(k => !keys.Contains(k)).ToList();
            if (absent.Count > 0 || unlisted.Count > 0)
                throw new InvalidDataException($"Shard '{path}' does not match the weight_map of '{indexPath}':"
                    + (absent.Count > 0 ? $" the index places {Quote(absent)} in it, but it does not hold them;" : "")
                    + (unlisted.Count > 0 ? $" it holds {Quote(unlisted)}, which the index places elsewhere or not at all;" : "")
                    + " the index and the shards come from different saves.");
            files.Add((path, header));
        }
        return new(files) { Description = indexPath };
    }

    /// <summary>The weight_map of an index, grouped by shard file name.</summary>
    static Dictionary<string, HashSet<string>> ReadWeightMap(string indexPath)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(indexPath));
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"Weights index '{indexPath}' is not valid JSON: {error.Message}", error);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"Weights index '{indexPath}' has no 'weight_map' object (tensor name -> shard file).");
            var byShard = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (string.IsNullOrEmpty(shard) || Path.GetFileName(shard) != shard)
                    throw new InvalidDataException($"Weights index '{indexPath}' maps '{entry.Name}' to {entry.Value}, which is not a file name in the folder.");
                if (!byShard.TryGetValue(shard, out var keys)) byShard[shard] = keys = new HashSet<string>(StringComparer.Ordinal);
                keys.Add(entry.Name);
            }
            if (byShard.Count == 0) throw new InvalidDataException($"Weights index '{indexPath}' has an empty weight_map.");
            return byShard;
        }
    }

    static string Quote(IEnumerable<string> keys)
    {
        var list = keys.Order(StringComparer.Ordinal).ToList();
        string shown = string.Join(", ", list.Take(5).Select(k => $"'{k}'"));
        return list.Count > 5 ? $"{shown} and {list.Count - 5} more" : shown;
    }
}
