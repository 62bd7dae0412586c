using System.Text.Json;
using TorchSharp.PyBridge;

namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Writes Hugging Face-layout folders (config.json, model.safetensors or shards with model.safetensors.index.json)
/// holding seeded random float32 weights under the Hugging Face tensor names, as transformers would save them.
/// </summary>
public static class HfFolders
{
    public const int Vocab = 23, Width = 16, Layers = 2, Heads = 4, KvHeads = 2, Hidden = 24, Positions = 32;

    /// <summary>A LLaMA config.json (GQA: 4 query heads, 2 KV heads) with optional extra or replaced keys.</summary>
    public static Dictionary<string, object?> LlamaConfig(bool tied = false) => new()
    {
        ["architectures"] = new[] { "LlamaForCausalLM" },
        ["model_type"] = "llama",
        ["hidden_size"] = Width,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["intermediate_size"] = Hidden,
        ["rms_norm_eps"] = 1e-6,
        ["rope_theta"] = 500.0,
        ["vocab_size"] = Vocab,
        ["max_position_embeddings"] = 64,
        ["tie_word_embeddings"] = tied,
        ["hidden_act"] = "silu",
        ["rope_scaling"] = null,
        ["torch_dtype"] = "float32",
    };

    /// <summary>A GPT-2 config.json.</summary>
    public static Dictionary<string, object?> Gpt2Config() => new()
    {
        ["architectures"] = new[] { "GPT2LMHeadModel" },
        ["model_type"] = "gpt2",
        ["n_embd"] = Width,
        ["n_layer"] = Layers,
        ["n_head"] = Heads,
        ["n_positions"] = Positions,
        ["n_ctx"] = Positions,
        ["n_inner"] = null,
        ["vocab_size"] = Vocab,
        ["layer_norm_epsilon"] = 1e-5,
        ["activation_function"] = "gelu_new",
    };

    /// <summary>LLaMA tensors: [out, in] linear weights, q/k/v/o projections per layer, lm_head unless tied.</summary>
    public static Dictionary<string, Tensor> LlamaWeights(int seed = 1, bool tied = false)
    {
        long d = Width / Heads, kv = KvHeads * d;
        var shapes = new List<(string, long[])> { ("model.embed_tokens.weight", [Vocab, Width]), ("model.norm.weight", [Width]) };
        if (!tied) shapes.Add(("lm_head.weight", [Vocab, Width]));
        for (int l = 0; l < Layers; l++)
        {
            string p = $"model.layers.{l}.";
            shapes.AddRange(new (string, long[])[]
            {
                (p + "input_layernorm.weight", [Width]), (p + "post_attention_layernorm.weight", [Width]),
                (p + "self_attn.q_proj.weight", [Width, Width]), (p + "self_attn.k_proj.weight", [kv, Width]),
                (p + "self_attn.v_proj.weight", [kv, Width]), (p + "self_attn.o_proj.weight", [Width, Width]),
                (p + "mlp.gate_proj.weight", [Hidden, Width]), (p + "mlp.up_proj.weight", [Hidden, Width]),
                (p + "mlp.down_proj.weight", [Width, Hidden]),
            });
        }
        return Random(shapes, seed, conv1d: false);
    }

    /// <summary>GPT-2 tensors: Conv1D weights [in, out], biases everywhere, tied head, optional "transformer." prefix.</summary>
    public static Dictionary<string, Tensor> Gpt2Weights(int seed = 2, string prefix = "transformer.")
    {
        var shapes = new List<(string, long[])>
        {
            (prefix + "wte.weight", [Vocab, Width]), (prefix + "wpe.weight", [Positions, Width]),
            (prefix + "ln_f.weight", [Width]), (prefix + "ln_f.bias", [Width]),
        };
        for (int l = 0; l < Layers; l++)
        {
            string p = $"{prefix}h.{l}.";
            shapes.AddRange(new (string, long[])[]
            {
                (p + "ln_1.weight", [Width]), (p + "ln_1.bias", [Width]), (p + "ln_2.weight", [Width]), (p + "ln_2.bias", [Width]),
                (p + "attn.c_attn.weight", [Width, 3 * Width]), (p + "attn.c_attn.bias", [3 * Width]),
                (p + "attn.c_proj.weight", [Width, Width]), (p + "attn.c_proj.bias", [Width]),
                (p + "mlp.c_fc.weight", [Width, 4 * Width]), (p + "mlp.c_fc.bias", [4 * Width]),
                (p + "mlp.c_proj.weight", [4 * Width, Width]), (p + "mlp.c_proj.bias", [Width]),
            });
        }
        return Random(shapes, seed, conv1d: true);
    }

    /// <summary>Writes config.json and model.safetensors.</summary>
    public static void Write(string folder, Dictionary<string, object?> config, Dictionary<string, Tensor> weights)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config));
        Save(Path.Combine(folder, "model.safetensors"), weights);
    }

    /// <summary>Writes config.json, <paramref name="shards"/> shards (keys dealt round-robin) and the index.</summary>
    public static void WriteSharded(string folder, Dictionary<string, object?> config, Dictionary<string, Tensor> weights, int shards = 3)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config));
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var keys = weights.Keys.Order(StringComparer.Ordinal).ToList();
        for (int s = 0; s < shards; s++)
        {
            string name = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var part = keys.Where((_, i) => i % shards == s).ToDictionary(k => k, k => weights[k]);
            foreach (var key in part.Keys) map[key] = name;
            Save(Path.Combine(folder, name), part);
        }
        var index = new { metadata = new { total_size = weights.Values.Sum(t => t.NumberOfElements * 4) }, weight_map = map };
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), JsonSerializer.Serialize(index));
    }

    public static void Save(string path, Dictionary<string, Tensor> weights)
    {
        using var stream = File.Create(path);
        Safetensors.SaveStateDict(stream, weights, leaveOpen: true);
    }

    /// <summary>Order-one values: norm scales near 1, matrices scaled by 1/sqrt(fan-in), biases N(0, 0.25), embeddings N(0, 1).</summary>
    static Dictionary<string, Tensor> Random(List<(string Key, long[] Shape)> shapes, int seed, bool conv1d)
    {
        var generator = new torch.Generator((ulong)seed);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, shape) in shapes)
        {
            var noise = randn(shape, ScalarType.Float32, generator: generator);
            bool norm = key.Contains("norm", StringComparison.Ordinal) || key.Contains("ln_", StringComparison.Ordinal);
            bool embedding = key.Contains("wte", StringComparison.Ordinal) || key.Contains("wpe", StringComparison.Ordinal) || key.Contains("embed_tokens", StringComparison.Ordinal);
            result[key] = norm && key.EndsWith(".weight", StringComparison.Ordinal) ? noise.mul(0.2).add(1)
                : shape.Length == 1 ? noise.mul(0.5)
                : embedding ? noise
                : noise.div(Math.Sqrt(conv1d ? shape[0] : shape[1]));
        }
        return result;
    }
}
