namespace LinearDsl
{
    /// <summary>
    /// Where an encoder's blocks normalise: <see cref="EncoderModelAttribute.NormPlacement"/> and the runtime's
    /// ModelConfig.NormPlacement (config.json "norm_placement": "pre" or "post", written only when post), one type for both.
    /// </summary>
    public enum NormPlacement
    {
        /// <summary>
        /// Before each sublayer, h = x + f(norm(x)), with a final norm after the stack (LLaMA, T5, GPT-2); the default.
        /// </summary>
        Pre = 0,

        /// <summary>
        /// After each residual sum, h = norm(x + f(x)), with the embeddings normalised (embed_norm) and no final norm
        /// (BERT). Encoders only.
        /// </summary>
        Post = 1,
    }
}
