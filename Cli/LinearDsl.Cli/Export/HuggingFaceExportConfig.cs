using System.Text.Json.Nodes;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using static TorchSharp.torch;

namespace LinearDsl.Cli.Export;

/// <summary>The config.json of a Hugging Face LLaMA (LlamaForCausalLM) or GPT-2 (GPT2LMHeadModel) folder, with the fields transformers reads.</summary>
internal static class HuggingFaceExportConfig
{
    public static JsonObject For(ModelConfig config, HuggingFaceArchitecture architecture, ScalarType dtype)
    {
        // With an end-of-text id (byte-eot) it begins and ends a text; a plain byte vocabulary has no such id.
        JsonNode? special = config.VocabSize == ByteTokenizer.ByteIdCount + 1 ? JsonValue.Create(ByteTokenizer.ByteIdCount) : null;
        string torchDtype = dtype switch
        {
            ScalarType.Float64 => "float64",
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            _ => "float32",
        };
        var mixer = config.Mixer;
        return architecture == HuggingFaceArchitecture.Llama
            ? new JsonObject
            {
                ["architectures"] = new JsonArray("LlamaForCausalLM"),
                ["model_type"] = "llama",
                ["vocab_size"] = config.VocabSize,
                ["hidden_size"] = config.Width,
                ["intermediate_size"] = config.MlpHidden,
                ["num_hidden_layers"] = config.Layers,
                ["num_attention_heads"] = mixer.Heads,
                ["num_key_value_heads"] = mixer.KvHeads,
                ["head_dim"] = config.Width / mixer.Heads,
                ["hidden_act"] = "silu",
                ["max_position_embeddings"] = config.ContextLength,
                ["rms_norm_eps"] = config.NormEps,
                ["rope_theta"] = config.RopeTheta,
                ["rope_scaling"] = null,
                ["attention_bias"] = config.AttentionBias,
                ["attention_dropout"] = 0.0,
                ["mlp_bias"] = false,
                ["pretraining_tp"] = 1,
                ["tie_word_embeddings"] = config.TieEmbeddings,
                ["initializer_range"] = config.InitializerRange,
                ["bos_token_id"] = special?.DeepClone(),
                ["eos_token_id"] = special?.DeepClone(),
                ["use_cache"] = true,
                ["torch_dtype"] = torchDtype,
            }
            : new JsonObject
            {
                ["architectures"] = new JsonArray("GPT2LMHeadModel"),
                ["model_type"] = "gpt2",
                ["vocab_size"] = config.VocabSize,
                ["n_embd"] = config.Width,
                ["n_layer"] = config.Layers,
                ["n_head"] = mixer.Heads,
                ["n_inner"] = config.MlpHidden,
                ["n_positions"] = config.ContextLength,
                ["n_ctx"] = config.ContextLength,
                ["layer_norm_epsilon"] = config.NormEps,
                ["activation_function"] = "gelu_new",
                ["resid_pdrop"] = 0.0,
                ["embd_pdrop"] = 0.0,
                ["attn_pdrop"] = 0.0,
                ["scale_attn_weights"] = true,
                ["scale_attn_by_inverse_layer_idx"] = false,
                ["reorder_and_upcast_attn"] = false,
                ["tie_word_embeddings"] = config.TieEmbeddings,
                ["initializer_range"] = config.InitializerRange,
                ["bos_token_id"] = special?.DeepClone(),
                ["eos_token_id"] = special?.DeepClone(),
                ["use_cache"] = true,
                ["torch_dtype"] = torchDtype,
            };
    }
}
