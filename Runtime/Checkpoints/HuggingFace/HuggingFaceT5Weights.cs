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
        bool tied = model.Config.TieEmbeddings;
        HuggingFaceMappedWeights.Load(model, files, Sources(model),
            setAside: key => TiedCopies.Contains(key) || (tied && key == "lm_head.weight"),
            check: stored => CheckCopies(stored, tied, files.Description));
    }

    /// <summary>A stored copy of the shared embedding (or a tied lm_head) is accepted only when it repeats shared.weight.</summary>
    static void CheckCopies(IReadOnlyDictionary<string, Tensor> stored, bool tied, string path)
    {
        var shared = stored["shared.weight"];
        foreach (var key in TiedCopies.Append(tied ? "lm_head.weight" : null))
        {
            if (key is null || !stored.TryGetValue(key, out var copy)) continue;
            if (!HuggingFaceMappedWeights.Repeats(copy, shared))
                throw new InvalidDataException(key == "lm_head.weight"
                    ? $"'{path}' holds an lm_head.weight that differs from shared.weight, but config.json says the embeddings are tied (tie_word_embeddings); set tie_word_embeddings to false to load a separate output head."
                    : $"'{path}' holds a {key} that differs from shared.weight; T5 shares one embedding between its stacks, so this checkpoint is not a T5ForConditionalGeneration save.");
        }
    }

    /// <summary>The T5 tensors of every module tensor, by module key.</summary>
    static Dictionary<string, MappedSource> Sources(Seq2SeqModel model)
    {
        var config = model.Config;
        int heads = config.CrossAttention!.Heads;
        double crossScale = Math.Sqrt((double)config.Width / heads);
        var result = new Dictionary<string, MappedSource>(StringComparer.Ordinal);
        foreach (var (key, tensor) in model.state_dict())
        {
            long[] shape = tensor.shape;
            MappedSource One(string name, double scale = 1) => new([new CheckpointTensor(name, shape)], scale);
            result[key] = key switch
            {
                "embed_tokens.weight" => One("shared.weight"),
                "encoder.norm.weight" => One("encoder.final_layer_norm.weight"),
                "decoder.norm.weight" => One("decoder.final_layer_norm.weight", config.TieEmbeddings ? 1 / Math.Sqrt(config.Width) : 1),
                "lm_head.weight" => One("lm_head.weight"),
                _ => Layer(key, shape, crossScale, config.Mlp) ?? throw new InvalidOperationException(
                    $"The T5 importer has no source for the model tensor '{key}'; the runtime's seq2seq layout changed without the importer."),
            };
        }
        return result;
    }

    static MappedSource? Layer(string key, long[] shape, double crossScale, MlpKind mlp)
    {
        var match = LayerKey().Match(key);
        if (!match.Success) return null;
        string stack = match.Groups[1].Value, part = match.Groups[3].Value;
        int layer = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        bool decoder = stack == "decoder";
        string block = $"{stack}.block.{layer}.layer.";
        string feedForward = block + (decoder ? "2" : "1");
        MappedSource One(string name, double scale = 1) => new([new CheckpointTensor(name, shape)], scale);
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
            // T5 v1.0's ungated network names its one input projection wi; the gated ones split it into wi_0 and wi_1.
            "mlp.up_proj.weight" => One(feedForward + (mlp == MlpKind.Relu ? ".DenseReluDense.wi.weight" : ".DenseReluDense.wi_1.weight")),
            "mlp.down_proj.weight" => One(feedForward + ".DenseReluDense.wo.weight"),
            _ => null,
        };
    }

    [GeneratedRegex(@"^(encoder|decoder)\.layers\.(\d+)\.(.+)$")]
    private static partial Regex LayerKey();
}
