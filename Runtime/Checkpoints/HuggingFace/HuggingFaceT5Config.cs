using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// A T5 config.json (T5ForConditionalGeneration) read as the <see cref="ModelConfig"/> of the matching
/// <see cref="Seq2SeqModel"/>: RMS norms (T5LayerNorm) before every sublayer, no positions but
/// <see cref="T5RelativeAttention"/> in both stacks (bidirectional in the encoder, causal in the decoder), softmax
/// cross-attention, the feed-forward network feed_forward_proj names (v1.0's relu, v1.1's gated-gelu, or gated-silu),
/// no biases. Settings the runtime cannot reproduce exactly are refused with the
/// key to change.
/// </summary>
internal static class HuggingFaceT5Config
{
    /// <summary>Positions a T5 decoder caches when config.json gives no n_positions (T5 itself has no position limit).</summary>
    public const int DefaultContextLength = 512;

    public static ModelConfig Read(HuggingFaceConfigReader r)
    {
        int width = r.Int("d_model"), heads = r.Int("num_heads"), headSize = r.Int("d_kv");
        r.Require(heads > 0 && headSize * heads == width,
            $"d_kv ({headSize}) * num_heads ({heads}) must equal d_model ({width}): LinearDsl's attention heads have size d_model / num_heads");
        string feedForward = r.String("feed_forward_proj", "relu");
        // transformers reads "gated-gelu" as gated gelu_new, the tanh approximation.
        MlpKind? mlp = feedForward switch
        {
            "relu" => MlpKind.Relu,
            "gated-gelu" or "gated-gelu_new" or "gated-gelu_pytorch_tanh" => MlpKind.GeGlu,
            "gated-silu" or "gated-swish" => MlpKind.SwiGlu,
            _ => null,
        };
        r.Require(mlp is not null,
            $"feed_forward_proj '{feedForward}' is not supported: the runtime loads 'relu' (T5 v1.0), 'gated-gelu' (T5 v1.1, flan-t5, mT5) and 'gated-silu' exactly");
        int encoderLayers = r.Int("num_layers");
        int context = r.Int("n_positions", DefaultContextLength);
        int buckets = r.Int("relative_attention_num_buckets", 32), maxDistance = r.Int("relative_attention_max_distance", 128);
        return new ModelConfig
        {
            Architecture = ModelArchitecture.Seq2Seq,
            VocabSize = r.Int("vocab_size"),
            Width = width,
            Layers = r.Int("num_decoder_layers", encoderLayers),
            ContextLength = context,
            Norm = NormKind.RmsNorm,
            NormEps = r.Double("layer_norm_epsilon", 1e-6),
            Positions = PositionKind.None,
            Mlp = mlp!.Value,
            MlpHidden = r.Int("d_ff"),
            Mixer = Relative(heads, buckets, maxDistance, bidirectional: false, context),
            Encoder = new EncoderStackConfig { Layers = encoderLayers, Mixer = Relative(heads, buckets, maxDistance, bidirectional: true, context) },
            CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = heads, KvHeads = heads },
            DecoderStartTokenId = r.Int("decoder_start_token_id", r.Int("pad_token_id", 0)),
            TieEmbeddings = r.Bool("tie_word_embeddings", true),
            InitializerRange = r.Double("initializer_factor", 1.0) * 0.02,
        };
    }

    /// <summary>The T5 self-attention of one stack as a custom mixer of the runtime (recorded in config.json).</summary>
    public static MixerSpec Relative(int heads, int buckets, int maxDistance, bool bidirectional, int maxLength)
        => MixerSpec.Of(heads, CustomMixerOptions.For<T5RelativeAttention>(new Dictionary<string, object?>
        {
            ["buckets"] = buckets,
            ["maxDistance"] = maxDistance,
            ["bidirectional"] = bidirectional,
            ["maxLength"] = maxLength,
        }));
}
