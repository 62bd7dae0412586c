using System.Text.Json;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// A Hugging Face config.json read as the <see cref="ModelConfig"/> of the matching softmax model. Settings the
/// runtime cannot reproduce exactly (rope scaling, other activations, MLP biases, ...) are refused with the key to
/// change, never silently ignored.
/// </summary>
/// <param name="Architecture">The model family.</param>
/// <param name="Model">The config of the equivalent softmax <see cref="CausalLanguageModel"/>.</param>
public sealed record HuggingFaceConfig(HuggingFaceArchitecture Architecture, ModelConfig Model)
{
    /// <summary>File name of the config in a Hugging Face folder.</summary>
    public const string FileName = "config.json";

    /// <summary>Reads <c>config.json</c> in <paramref name="folder"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder has no config.json.</exception>
    /// <exception cref="InvalidDataException">The config is not valid JSON, lacks a key, or asks for something unsupported.</exception>
    public static HuggingFaceConfig Read(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Hugging Face model folder '{folder}' does not exist.");
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing: a Hugging Face model folder holds {FileName} next to its weights.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a config.json; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The config is not valid JSON, lacks a key, or asks for something unsupported.</exception>
    public static HuggingFaceConfig Parse(string json, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"Hugging Face config '{source}' is not valid JSON: {error.Message}", error);
        }
        using (document)
        {
            var reader = new HuggingFaceConfigReader(document.RootElement, source);
            string modelType = reader.String("model_type", null);
            HuggingFaceConfig config = modelType switch
            {
                "llama" => new(HuggingFaceArchitecture.Llama, Llama(reader)),
                "gpt2" => new(HuggingFaceArchitecture.Gpt2, Gpt2(reader)),
                _ => throw reader.Error(HuggingFaceFamilies.NotCausal(modelType) ?? $"model_type '{modelType}' is not supported; supported are 'llama' and 'gpt2'"),
            };
            var problems = config.Model.Problems();
            if (problems.Count > 0)
                throw reader.Error("it describes a model the runtime cannot build:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)));
            return config;
        }
    }

    static ModelConfig Llama(HuggingFaceConfigReader r)
    {
        int width = r.Int("hidden_size"), heads = r.Int("num_attention_heads");
        r.Require(r.String("hidden_act", "silu") == "silu", "hidden_act must be 'silu' (SwiGLU) for a LLaMA model");
        r.Require(!r.Bool("mlp_bias", false), "mlp_bias = true is not supported (the SwiGLU MLP has no biases)");
        r.Require(r.IsNullOrAbsent("rope_scaling"), "rope_scaling is not supported; only plain rotary positions (rope_scaling null) load exactly");
        if (!r.IsNullOrAbsent("head_dim") && heads > 0)
            r.Require(r.Int("head_dim") * heads == width, $"head_dim must equal hidden_size / num_attention_heads ({width} / {heads})");
        return new ModelConfig
        {
            VocabSize = r.Int("vocab_size"),
            Width = width,
            Layers = r.Int("num_hidden_layers"),
            ContextLength = r.Int("max_position_embeddings", 2048),
            Norm = NormKind.RmsNorm,
            NormEps = r.Double("rms_norm_eps", 1e-6),
            Positions = PositionKind.Rotary,
            RopeTheta = r.Double("rope_theta", 10000),
            Mlp = MlpKind.SwiGlu,
            MlpHidden = r.Int("intermediate_size"),
            Mixer = MixerSpec.Softmax(heads, kvHeads: r.Int("num_key_value_heads", heads)),
            AttentionBias = r.Bool("attention_bias", false),
            TieEmbeddings = r.Bool("tie_word_embeddings", false),
            InitializerRange = r.Double("initializer_range", 0.02),
        };
    }

    static ModelConfig Gpt2(HuggingFaceConfigReader r)
    {
        int width = r.Int("n_embd");
        string activation = r.String("activation_function", "gelu_new");
        r.Require(activation is "gelu_new" or "gelu_pytorch_tanh", $"activation_function '{activation}' is not supported; GPT-2 import needs the tanh GELU ('gelu_new')");
        r.Require(r.Bool("scale_attn_weights", true), "scale_attn_weights = false is not supported (attention is scaled by 1/sqrt(head size))");
        r.Require(!r.Bool("scale_attn_by_inverse_layer_idx", false), "scale_attn_by_inverse_layer_idx = true is not supported");
        return new ModelConfig
        {
            VocabSize = r.Int("vocab_size"),
            Width = width,
            Layers = r.Int("n_layer"),
            ContextLength = r.Int("n_positions", r.IsNullOrAbsent("n_ctx") ? null : r.Int("n_ctx")),
            Norm = NormKind.LayerNorm,
            NormEps = r.Double("layer_norm_epsilon", 1e-5),
            Positions = PositionKind.Learned,
            Mlp = MlpKind.Gelu,
            MlpHidden = r.IsNullOrAbsent("n_inner") ? 4 * width : r.Int("n_inner"),
            Mixer = MixerSpec.Softmax(r.Int("n_head")),
            AttentionBias = true,
            TieEmbeddings = r.Bool("tie_word_embeddings", true),
            InitializerRange = r.Double("initializer_range", 0.02),
        };
    }
}
