using System.Globalization;
using System.Text.RegularExpressions;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// Fills an <see cref="EncoderModel"/> built from <see cref="HuggingFaceBertConfig"/> with the tensors of a BERT folder.
/// Every module tensor names the BERT tensor(s) it is read from; query, key and value are stacked into the fused
/// projection. The pooler and the next-sentence head have no counterpart and are set aside, as are the copies
/// transformers stores of tied tensors (accepted only when they repeat the original).
/// </summary>
internal static partial class HuggingFaceBertWeights
{
    const string Decoder = "cls.predictions.decoder.";
    static readonly string[] Projections = ["query", "key", "value"];

    /// <summary>"bert." when the tensors are saved under a task model (BertForMaskedLM), "" for a bare BertModel.</summary>
    public static string Prefix(IEnumerable<CheckpointTensor> tensors)
        => tensors.Any(t => t.Key.StartsWith("bert.embeddings.", StringComparison.Ordinal)) ? "bert." : "";

    /// <summary>Whether the folder holds BERT's masked-LM head.</summary>
    public static bool HasHead(IEnumerable<CheckpointTensor> tensors)
        => tensors.Any(t => t.Key.StartsWith("cls.predictions.transform.", StringComparison.Ordinal));

    public static void Load(EncoderModel model, HuggingFaceWeightFiles files)
    {
        string prefix = Prefix(files.Tensors);
        bool tied = model.Config.TieEmbeddings;
        HuggingFaceMappedWeights.Load(model, files, Sources(model, prefix),
            setAside: key => key == prefix + "embeddings.position_ids" || key.StartsWith(prefix + "pooler.", StringComparison.Ordinal)
                || key.StartsWith("cls.seq_relationship.", StringComparison.Ordinal) || key == Decoder + "bias" || (tied && key == Decoder + "weight"),
            check: stored => CheckCopies(stored, prefix, tied, files.Description));
    }

    /// <summary>The decoder's bias and (when tied) weight are copies; a copy that differs means another model.</summary>
    static void CheckCopies(IReadOnlyDictionary<string, Tensor> stored, string prefix, bool tied, string path)
    {
        if (stored.TryGetValue(Decoder + "bias", out var bias) && stored.TryGetValue("cls.predictions.bias", out var original) && !HuggingFaceMappedWeights.Repeats(bias, original))
            throw new InvalidDataException($"'{path}' holds a {Decoder}bias that differs from cls.predictions.bias; BERT ties the two, so this checkpoint is not a BertForMaskedLM save.");
        if (tied && stored.TryGetValue(Decoder + "weight", out var head) && !HuggingFaceMappedWeights.Repeats(head, stored[prefix + "embeddings.word_embeddings.weight"]))
            throw new InvalidDataException($"'{path}' holds a {Decoder}weight that differs from the word embeddings, but config.json says the embeddings are tied (tie_word_embeddings); set tie_word_embeddings to false to load a separate head.");
    }

    /// <summary>The BERT tensors of every module tensor, by module key.</summary>
    static Dictionary<string, MappedSource> Sources(EncoderModel model, string prefix)
    {
        var result = new Dictionary<string, MappedSource>(StringComparer.Ordinal);
        foreach (var (key, tensor) in model.state_dict())
        {
            long[] shape = tensor.shape;
            MappedSource One(string name) => new([new CheckpointTensor(name, shape)]);
            string embeddings = prefix + "embeddings.";
            result[key] = key switch
            {
                "embed_tokens.weight" => One(embeddings + "word_embeddings.weight"),
                "embed_positions.weight" => One(embeddings + "position_embeddings.weight"),
                "embed_token_types.weight" => One(embeddings + "token_type_embeddings.weight"),
                "embed_norm.weight" => One(embeddings + "LayerNorm.weight"),
                "embed_norm.bias" => One(embeddings + "LayerNorm.bias"),
                "mlm_transform.dense.weight" => One("cls.predictions.transform.dense.weight"),
                "mlm_transform.dense.bias" => One("cls.predictions.transform.dense.bias"),
                "mlm_transform.norm.weight" => One("cls.predictions.transform.LayerNorm.weight"),
                "mlm_transform.norm.bias" => One("cls.predictions.transform.LayerNorm.bias"),
                "mlm_bias" => One("cls.predictions.bias"),
                "mlm_head.weight" => One(Decoder + "weight"),
                _ => Layer(key, shape, prefix) ?? throw new InvalidOperationException(
                    $"The BERT importer has no source for the model tensor '{key}'; the runtime's encoder layout changed without the importer."),
            };
        }
        return result;
    }

    static MappedSource? Layer(string key, long[] shape, string prefix)
    {
        var match = LayerKey().Match(key);
        if (!match.Success) return null;
        int layer = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        string part = match.Groups[2].Value, kind = match.Groups[3].Value;
        string p = $"{prefix}encoder.layer.{layer}.";
        MappedSource One(string name) => new([new CheckpointTensor(name + "." + kind, shape)]);
        return part switch
        {
            // The fused projection stacks queries, keys and values by rows, as BERT's three projections are.
            "self_attn.qkv_proj" => new(Projections.Select(name =>
                new CheckpointTensor($"{p}attention.self.{name}.{kind}", [shape[0] / 3, .. shape.Skip(1)])).ToList()),
            "self_attn.o_proj" => One(p + "attention.output.dense"),
            "post_attention_layernorm" => One(p + "attention.output.LayerNorm"),
            "mlp.c_fc" => One(p + "intermediate.dense"),
            "mlp.c_proj" => One(p + "output.dense"),
            "post_mlp_layernorm" => One(p + "output.LayerNorm"),
            _ => null,
        };
    }

    [GeneratedRegex(@"^encoder\.layers\.(\d+)\.(.+)\.(weight|bias)$")]
    private static partial Regex LayerKey();
}
