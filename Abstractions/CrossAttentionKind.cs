namespace LinearDsl
{
    /// <summary>
    /// How the decoder of a <see cref="Seq2SeqModelAttribute"/> model reads the encoder's output: the
    /// <see cref="CrossAttentionAttribute.Kind"/> of a declaration and the runtime's CrossAttentionSpec.Kind (config.json
    /// "cross_attention.kind": "softmax" or "linear"), one type for both.
    /// </summary>
    public enum CrossAttentionKind
    {
        /// <summary>Softmax attention over every encoder position: the decoder keeps the encoder's keys and values, O(source length) per step. The default.</summary>
        Softmax = 0,

        /// <summary>
        /// Linear attention: the decoder keeps the encoder's sum of phi(k) v^T (and sum of phi(k) for the denominator),
        /// a state of fixed size whatever the source length.
        /// </summary>
        Linear = 1,
    }
}
