namespace LinearDsl
{
    /// <summary>
    /// An encoder's masked-language-model head: <see cref="EncoderModelAttribute.MlmHead"/> and the runtime's
    /// ModelConfig.MlmHead (config.json "mlm_head": "linear", "transform" or "none", written only when not linear), one
    /// type for both.
    /// </summary>
    public enum MlmHeadKind
    {
        /// <summary>The vocabulary projection alone (mlm_head, or the token embedding when tied); the default.</summary>
        Linear = 0,

        /// <summary>
        /// BERT's head: a dense layer with a bias, the exact GELU and a layer norm (mlm_transform.*), then the vocabulary
        /// projection and a vocabulary bias (mlm_bias). Needs a layer norm model ([LayerNorm]).
        /// </summary>
        Transform = 1,

        /// <summary>No head: the encoder only embeds (a Hugging Face BertModel, as sentence-embedding models are saved); EncoderModel.MaskedLogits refuses.</summary>
        None = 2,
    }
}
