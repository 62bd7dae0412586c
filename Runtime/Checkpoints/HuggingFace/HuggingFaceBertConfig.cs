using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// A BERT config.json (BertForMaskedLM, BertForPreTraining or BertModel) read as the <see cref="ModelConfig"/> of the
/// matching <see cref="EncoderModel"/>: post-norm blocks with layer norms, normalised embeddings with learned positions
/// and token types, bidirectional softmax attention with biases, the exact-GELU MLP, and BERT's head transform (or no
/// head for a BertModel). Settings the runtime cannot reproduce exactly are refused with the key to change.
/// </summary>
internal static class HuggingFaceBertConfig
{
    public static ModelConfig Read(HuggingFaceConfigReader r, bool hasHead, int maskTokenId)
    {
        int width = r.Int("hidden_size"), heads = r.Int("num_attention_heads");
        string act = r.String("hidden_act", "gelu");
        r.Require(act == "gelu",
            $"hidden_act '{act}' is not supported: BERT's 'gelu' (the exact erf GELU) is the activation the runtime's BERT layout reproduces");
        string positions = r.String("position_embedding_type", "absolute");
        r.Require(positions == "absolute",
            $"position_embedding_type '{positions}' is not supported: only 'absolute' (a learned position table) loads exactly");
        return new ModelConfig
        {
            Architecture = ModelArchitecture.Encoder,
            VocabSize = r.Int("vocab_size"),
            Width = width,
            Layers = r.Int("num_hidden_layers"),
            ContextLength = r.Int("max_position_embeddings"),
            Norm = NormKind.LayerNorm,
            NormEps = r.Double("layer_norm_eps", 1e-12),
            NormPlacement = NormPlacement.Post,
            Positions = PositionKind.Learned,
            TokenTypes = r.Int("type_vocab_size", 2),
            Mlp = MlpKind.GeluErf,
            MlpHidden = r.Int("intermediate_size"),
            Mixer = MixerSpec.Softmax(heads, bidirectional: true),
            AttentionBias = true,
            MlmHead = hasHead ? MlmHeadKind.Transform : MlmHeadKind.None,
            TieEmbeddings = r.Bool("tie_word_embeddings", true),
            MaskTokenId = maskTokenId,
            Pooling = Pooling.Mean,
            InitializerRange = r.Double("initializer_range", 0.02),
        };
    }
}
