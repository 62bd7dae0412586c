using System.Globalization;
using System.Text.RegularExpressions;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// Fills a <see cref="Seq2SeqModel"/> built from <see cref="HuggingFaceT5Config"/> with the tensors of a T5 folder.
/// Every module tensor names the T5 tensor(s) it is read from; three are rescaled so that the runtime's conventions
/// compute T5's function: cross-attention queries by sqrt(d_kv) (the runtime divides cross-attention scores by it, T5
/// does not), and, when the head is tied, the decoder's final norm by d_model^-1/2 (T5 scales the hidden state before
/// its tied lm_head). T5 keeps one relative_attention_bias per stack (in block 0); every layer's mixer gets a copy.
/// </summary>
internal static partial class HuggingFaceT5Weights
{
    /// <summary>Stored tensors that repeat the shared embedding (older exports keep them); read only to check that.</summary>
    static readonly string[] TiedCopies = ["encoder.embed_tokens.weight", "decoder.embed_tokens.weight"];

    public static void Load(Seq2SeqModel model, HuggingFaceWeightFiles files)
    {
        var config = model.Config;
        var sources = Sources(model);
        var expected = sources.Values.SelectMany(s => s.Parts).DistinctBy(p => p.Key).ToList();
        var found = files.Tensors.Where(t => !TiedCopies.Contains(t.Key) && !(config.TieEmbeddings && t.Key == "lm_head.weight")).ToList();
        var foundByKey = found.ToDictionary(t => t.Key, t => t.Shape, StringComparer.Ordinal);
        var expectedKeys = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(e => !foundByKey.ContainsKey(e.Key)).ToList();
        var misshaped = expected.Where(e => foundByKey.TryGetValue(e.Key, out var shape) && !shape.SequenceEqual(e.Shape))
            .Select(e => new MisshapedTensor(e.Key, e.Shape, foundByKey[e.Key])).ToList();
        var unexpected = found.Where(t => !expectedKeys.Contains(t.Key)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0)
            throw new CheckpointMismatchException(files.Description, missing, unexpected, misshaped);
        foreach (var (path, header) in files.Files) WeightsAgreement.ThrowIfNotFloat(header.Entries.Where(e => expectedKeys.Contains(e.Name)), path);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var stored = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, _) in files.Files)
        {
            foreach (var (key, tensor) in ReadFile(path)) stored[key] = tensor;
        }
        var targets = model.state_dict();
        foreach (var (key, target) in targets)
        {
            var source = sources[key];
            var value = source.Parts.Count == 1 ? stored[source.Parts[0].Key] : cat(source.Parts.Select(p => stored[p.Key]).ToArray(), 0);
            value = value.to_type(target.dtype);
            if (source.Scale != 1) value = value.mul(source.Scale);
            target.copy_(value);
        }
        CheckCopies(stored, config.TieEmbeddings, files.Description);
    }

    /// <summary>A stored copy of the shared embedding (or a tied lm_head) is accepted only when it repeats shared.weight.</summary>
    static void CheckCopies(Dictionary<string, Tensor> stored, bool tied, string path)
    {
        var shared = stored["shared.weight"];
        foreach (var key in TiedCopies.Append(tied ? "lm_head.weight" : null))
        {
            if (key is null || !stored.TryGetValue(key, out var copy)) continue;
            if (!copy.shape.SequenceEqual(shared.shape) || !copy.equal(shared).all().item<bool>())
                throw new InvalidDataException(key == "lm_head.weight"
                    ? $"'{path}' holds an lm_head.weight that differs from shared.weight, but config.json says the embeddings are tied (tie_word_embeddings); set tie_word_embeddings to false to load a separate output head."
                    : $"'{path}' holds a {key} that differs from shared.weight; T5 shares one embedding between its stacks, so this checkpoint is not a T5ForConditionalGeneration save.");
        }
    }

    /// <summary>The T5 tensors of every module tensor, by module key.</summary>
    static Dictionary<string, T5Source> Sources(Seq2SeqModel model)
    {
        var config = model.Config;
        int heads = config.CrossAttention!.Heads;
        double crossScale = Math.Sqrt((double)config.Width / heads);
        var result = new Dictionary<string, T5Source>(StringComparer.Ordinal);
        foreach (var (key, tensor) in model.state_dict())
        {
            long[] shape = tensor.shape;
            T5Source One(string name, double scale = 1) => new([new CheckpointTensor(name, shape)], scale);
            result[key] = key switch
            {
                "embed_tokens.weight" => One("shared.weight"),
                "encoder.norm.weight" => One("encoder.final_layer_norm.weight"),
                "decoder.norm.weight" => One("decoder.final_layer_norm.weight", config.TieEmbeddings ? 1 / Math.Sqrt(config.Width) : 1),
                "lm_head.weight" => One("lm_head.weight"),
                _ => Layer(key, shape, crossScale) ?? throw new InvalidOperationException(
                    $"The T5 importer has no source for the model tensor '{key}'; the runtime's seq2seq layout changed without the importer."),
            };
        }
        return result;
    }

    static T5Source? Layer(string key, long[] shape, double crossScale)
    {
        var match = LayerKey().Match(key);
        if (!match.Success) return null;
        string stack = match.Groups[1].Value, part = match.Groups[3].Value;
        int layer = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        bool decoder = stack == "decoder";
        string block = $"{stack}.block.{layer}.layer.";
        string feedForward = block + (decoder ? "2" : "1");
        T5Source One(string name, double scale = 1) => new([new CheckpointTensor(name, shape)], scale);
        return part switch
        {
            "input_layernorm.weight" => One(block + "0.layer_norm.weight"),
            "self_attn.qkv_proj.weight" => new(
            [
                new CheckpointTensor(block + "0.SelfAttention.q.weight", [shape[0] / 3, shape[1]]),
                new CheckpointTensor(block + "0.SelfAttention.k.weight", [shape[0] / 3, shape[1]]),
                new CheckpointTensor(block + "0.SelfAttention.v.weight", [shape[0] / 3, shape[1]]),
            ], 1),
            "self_attn.o_proj.weight" => One(block + "0.SelfAttention.o.weight"),
            // T5 stores the table once per stack, in its first block; every layer reads it.
            "self_attn.mixer.relative_attention_bias" => One($"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"),
            "cross_attn_layernorm.weight" when decoder => One(block + "1.layer_norm.weight"),
            "cross_attn.q_proj.weight" when decoder => One(block + "1.EncDecAttention.q.weight", crossScale),
            "cross_attn.k_proj.weight" when decoder => One(block + "1.EncDecAttention.k.weight"),
            "cross_attn.v_proj.weight" when decoder => One(block + "1.EncDecAttention.v.weight"),
            "cross_attn.o_proj.weight" when decoder => One(block + "1.EncDecAttention.o.weight"),
            "post_attention_layernorm.weight" => One(feedForward + ".layer_norm.weight"),
            "mlp.gate_proj.weight" => One(feedForward + ".DenseReluDense.wi_0.weight"),
            "mlp.up_proj.weight" => One(feedForward + ".DenseReluDense.wi_1.weight"),
            "mlp.down_proj.weight" => One(feedForward + ".DenseReluDense.wo.weight"),
            _ => null,
        };
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

    [GeneratedRegex(@"^(encoder|decoder)\.layers\.(\d+)\.(.+)$")]
    private static partial Regex LayerKey();

    /// <summary>The stored tensors of one module tensor (concatenated by rows when several) and the factor it is scaled by.</summary>
    sealed record T5Source(IReadOnlyList<CheckpointTensor> Parts, double Scale);
}
