namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Hugging Face BERT (BertForMaskedLM, BertModel) and T5 (T5ForConditionalGeneration) configs and seeded random
/// float32 weights under the tensor names transformers saves, for tiny sizes (those of <see cref="HfFolders"/>).
/// </summary>
public static class HfEncoderFolders
{
    public const int Vocab = HfFolders.Vocab, Width = HfFolders.Width, Layers = HfFolders.Layers, Heads = HfFolders.Heads, Hidden = HfFolders.Hidden;
    public const int Positions = 32, TypeVocab = 2, Buckets = 8, MaxDistance = 16;

    /// <summary>A BERT config.json (absolute positions, erf GELU, two token types).</summary>
    public static Dictionary<string, object?> BertConfig(bool maskedLm = true) => new()
    {
        ["architectures"] = new[] { maskedLm ? "BertForMaskedLM" : "BertModel" },
        ["model_type"] = "bert",
        ["hidden_size"] = Width,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["intermediate_size"] = Hidden,
        ["hidden_act"] = "gelu",
        ["max_position_embeddings"] = Positions,
        ["type_vocab_size"] = TypeVocab,
        ["vocab_size"] = Vocab,
        ["layer_norm_eps"] = 1e-12,
        ["position_embedding_type"] = "absolute",
        ["pad_token_id"] = 0,
        ["torch_dtype"] = "float32",
    };

    /// <summary>A T5 config.json: gated-SiLU feed-forward (T5 v1.1 layout with SiLU), relative position buckets.</summary>
    public static Dictionary<string, object?> T5Config(bool tied = true, string feedForward = "gated-silu") => new()
    {
        ["architectures"] = new[] { "T5ForConditionalGeneration" },
        ["model_type"] = "t5",
        ["d_model"] = Width,
        ["d_kv"] = Width / Heads,
        ["d_ff"] = Hidden,
        ["num_layers"] = Layers,
        ["num_decoder_layers"] = Layers,
        ["num_heads"] = Heads,
        ["relative_attention_num_buckets"] = Buckets,
        ["relative_attention_max_distance"] = MaxDistance,
        ["layer_norm_epsilon"] = 1e-6,
        ["feed_forward_proj"] = feedForward,
        ["tie_word_embeddings"] = tied,
        ["vocab_size"] = Vocab,
        ["decoder_start_token_id"] = 0,
        ["pad_token_id"] = 0,
        ["eos_token_id"] = 1,
        ["is_encoder_decoder"] = true,
        ["torch_dtype"] = "float32",
    };

    /// <summary>BERT tensors ([out, in] linear weights with biases); the MLM head unless <paramref name="maskedLm"/> is false (then the pooler, as BertModel saves it).</summary>
    public static Dictionary<string, Tensor> BertWeights(int seed = 3, bool maskedLm = true)
    {
        string b = maskedLm ? "bert." : "";
        var shapes = new List<(string, long[])>
        {
            (b + "embeddings.word_embeddings.weight", [Vocab, Width]), (b + "embeddings.position_embeddings.weight", [Positions, Width]),
            (b + "embeddings.token_type_embeddings.weight", [TypeVocab, Width]),
            (b + "embeddings.LayerNorm.weight", [Width]), (b + "embeddings.LayerNorm.bias", [Width]),
        };
        for (int l = 0; l < Layers; l++)
        {
            string p = $"{b}encoder.layer.{l}.";
            foreach (var name in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
                shapes.AddRange([(p + name + ".weight", [Width, Width]), (p + name + ".bias", [Width])]);
            shapes.AddRange(new (string, long[])[]
            {
                (p + "attention.output.LayerNorm.weight", [Width]), (p + "attention.output.LayerNorm.bias", [Width]),
                (p + "intermediate.dense.weight", [Hidden, Width]), (p + "intermediate.dense.bias", [Hidden]),
                (p + "output.dense.weight", [Width, Hidden]), (p + "output.dense.bias", [Width]),
                (p + "output.LayerNorm.weight", [Width]), (p + "output.LayerNorm.bias", [Width]),
            });
        }
        if (maskedLm)
            shapes.AddRange(new (string, long[])[]
            {
                ("cls.predictions.transform.dense.weight", [Width, Width]), ("cls.predictions.transform.dense.bias", [Width]),
                ("cls.predictions.transform.LayerNorm.weight", [Width]), ("cls.predictions.transform.LayerNorm.bias", [Width]),
                ("cls.predictions.bias", [Vocab]),
            });
        else
            shapes.AddRange(new (string, long[])[] { ("pooler.dense.weight", [Width, Width]), ("pooler.dense.bias", [Width]) });
        return Random(shapes, seed);
    }

    /// <summary>T5 tensors: shared embedding, q/k/v/o without biases, relative_attention_bias in block 0 of each stack, lm_head unless tied.</summary>
    public static Dictionary<string, Tensor> T5Weights(int seed = 4, bool tied = true, bool gated = true)
    {
        var shapes = new List<(string, long[])>
        {
            ("shared.weight", [Vocab, Width]), ("encoder.final_layer_norm.weight", [Width]), ("decoder.final_layer_norm.weight", [Width]),
        };
        if (!tied) shapes.Add(("lm_head.weight", [Vocab, Width]));
        foreach (var stack in new[] { "encoder", "decoder" })
        {
            for (int l = 0; l < Layers; l++)
            {
                string p = $"{stack}.block.{l}.layer.";
                Attention(p + "0.SelfAttention.");
                shapes.Add((p + "0.layer_norm.weight", [Width]));
                if (l == 0) shapes.Add((p + "0.SelfAttention.relative_attention_bias.weight", [Buckets, Heads]));
                int ff = 1;
                if (stack == "decoder")
                {
                    Attention(p + "1.EncDecAttention.");
                    shapes.Add((p + "1.layer_norm.weight", [Width]));
                    ff = 2;
                }
                string f = $"{p}{ff}.DenseReluDense.";
                if (gated) shapes.AddRange([(f + "wi_0.weight", [Hidden, Width]), (f + "wi_1.weight", [Hidden, Width])]);
                else shapes.Add((f + "wi.weight", [Hidden, Width]));
                shapes.AddRange([(f + "wo.weight", [Width, Hidden]), ($"{p}{ff}.layer_norm.weight", [Width])]);
            }
        }
        return Random(shapes, seed);

        void Attention(string p)
        {
            foreach (var name in new[] { "q", "k", "v", "o" }) shapes.Add((p + name + ".weight", [Width, Width]));
        }
    }

    /// <summary>Order-one values: norm scales near 1, matrices scaled by 1/sqrt(fan-in), biases N(0, 0.25), embeddings and position buckets N(0, 1).</summary>
    static Dictionary<string, Tensor> Random(List<(string Key, long[] Shape)> shapes, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, shape) in shapes)
        {
            var noise = randn(shape, ScalarType.Float32, generator: generator);
            bool norm = key.Contains("LayerNorm", StringComparison.Ordinal) || key.Contains("layer_norm", StringComparison.Ordinal);
            bool table = key.Contains("embeddings.", StringComparison.Ordinal) && !norm || key == "shared.weight" || key.Contains("relative_attention_bias", StringComparison.Ordinal);
            result[key] = norm && key.EndsWith(".weight", StringComparison.Ordinal) ? noise.mul(0.2).add(1)
                : shape.Length == 1 ? noise.mul(0.5)
                : table ? noise
                : noise.div(Math.Sqrt(shape[1]));
        }
        return result;
    }
}
