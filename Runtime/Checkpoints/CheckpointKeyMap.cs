using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// Maps a <see cref="CausalLanguageModel"/>'s state-dict keys to checkpoint keys in the Hugging Face LLaMA layout
/// and back. Keys are the same except for the fused projection: each layer's self_attn.qkv_proj.weight is stored as
/// self_attn.q_proj.weight, k_proj.weight and v_proj.weight (row blocks of widths heads*d, kv_heads*d, kv_heads*d),
/// and concatenated again on load; a fused bias (GPT-2-style layers) is split the same way into q_proj.bias, k_proj.bias
/// and v_proj.bias. Mixer parameters keep their names (self_attn.mixer.alpha, ...).
/// </summary>
public sealed class CheckpointKeyMap
{
    readonly Dictionary<string, FusedTensor> _fusedByModuleKey;

    CheckpointKeyMap(IReadOnlyList<CheckpointTensor> entries, Dictionary<string, FusedTensor> fused)
    {
        Entries = entries;
        _fusedByModuleKey = fused;
    }

    /// <summary>Every checkpoint key with the shape the model needs, in file order.</summary>
    public IReadOnlyList<CheckpointTensor> Entries { get; }

    /// <summary>The key map of <paramref name="model"/>, derived from its layers' head layouts and its state dict.</summary>
    public static CheckpointKeyMap For(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var fused = new Dictionary<string, FusedTensor>(StringComparer.Ordinal);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var g = model.Layers[i].Attention.Mixer.Geometry;
            string prefix = $"model.layers.{i}.self_attn.";
            long query = (long)g.Heads * g.HeadDim, keyValue = (long)g.KvHeads * g.HeadDim;
            foreach (string tensor in model.Layers[i].Attention.HasBias ? new[] { "weight", "bias" } : ["weight"])
            {
                fused[$"{prefix}qkv_proj.{tensor}"] = new FusedTensor(
                [
                    new FusedPart($"{prefix}q_proj.{tensor}", query),
                    new FusedPart($"{prefix}k_proj.{tensor}", keyValue),
                    new FusedPart($"{prefix}v_proj.{tensor}", keyValue),
                ]);
            }
        }
        var entries = new List<CheckpointTensor>();
        var seen = 0;
        foreach (var (key, tensor) in model.state_dict())
        {
            long[] shape = tensor.shape;
            if (fused.TryGetValue(key, out var parts))
            {
                seen++;
                if (shape.Length is not (1 or 2) || shape[0] != parts.Rows)
                    throw new InvalidOperationException($"'{key}' has shape {CheckpointShapes.Format(shape)}, but the layer's head layout needs {parts.Rows} rows.");
                entries.AddRange(parts.Parts.Select(p => new CheckpointTensor(p.Key, [p.Rows, .. shape.Skip(1)])));
            }
            else
            {
                entries.Add(new CheckpointTensor(key, shape));
            }
        }
        // Guards the map against a renamed field: every fused projection must have been found.
        if (seen != fused.Count)
            throw new InvalidOperationException($"Found {seen} of {fused.Count} fused q/k/v tensors in the model's state dict; the key map no longer matches the module layout.");
        return new CheckpointKeyMap(entries, fused);
    }

    /// <summary>
    /// The model's tensors under checkpoint keys, in file order: detached, contiguous CPU tensors (fused projections
    /// split into row blocks). Call inside a dispose scope; the tensors belong to it.
    /// </summary>
    public Dictionary<string, Tensor> ToCheckpoint(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in model.state_dict())
        {
            var plain = tensor.detach().cpu().contiguous();
            if (!_fusedByModuleKey.TryGetValue(key, out var fused))
            {
                result[key] = plain;
                continue;
            }
            long start = 0;
            foreach (var part in fused.Parts)
            {
                result[part.Key] = plain.narrow(0, start, part.Rows).contiguous();
                start += part.Rows;
            }
        }
        return result;
    }

    /// <summary>
    /// Checks a file's keys and shapes against <see cref="Entries"/> and throws one
    /// <see cref="CheckpointMismatchException"/> that lists every missing, unexpected and mis-shaped key.
    /// </summary>
    public void ThrowIfMismatched(IReadOnlyList<CheckpointTensor> found, string path)
    {
        ArgumentNullException.ThrowIfNull(found);
        CheckpointMismatchException.ThrowIfDifferent(Entries, found, path);
    }

    /// <summary>
    /// Tensors under checkpoint keys (already checked with <see cref="ThrowIfMismatched"/>) as the model's state dict:
    /// split projections are concatenated again. Call inside a dispose scope.
    /// </summary>
    public Dictionary<string, Tensor> ToModule(IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var partKeys = _fusedByModuleKey.Values.SelectMany(f => f.Parts).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in checkpoint)
        {
            if (!partKeys.Contains(key)) result[key] = tensor;
        }
        foreach (var (key, fused) in _fusedByModuleKey)
            result[key] = cat(fused.Parts.Select(p => checkpoint[p.Key]).ToArray(), 0);
        return result;
    }

    /// <summary>The checkpoint keys that hold module tensor <paramref name="moduleKey"/> of <paramref name="rows"/> rows, with their rows, in order.</summary>
    internal IReadOnlyList<(string Key, long Rows)> PartsOf(string moduleKey, long rows)
        => _fusedByModuleKey.TryGetValue(moduleKey, out var fused) ? fused.Parts.Select(p => (p.Key, p.Rows)).ToList() : [(moduleKey, rows)];

    /// <summary>A fused module tensor stored as consecutive row blocks under their own keys.</summary>
    sealed record FusedTensor(IReadOnlyList<FusedPart> Parts)
    {
        public long Rows => Parts.Sum(p => p.Rows);
    }

    sealed record FusedPart(string Key, long Rows);
}
