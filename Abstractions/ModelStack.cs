namespace LinearDsl
{
    /// <summary>
    /// Which stack of a <see cref="Seq2SeqModelAttribute"/> model a mixer attribute (and its <c>Layers</c>) applies to.
    /// Models with one stack (<see cref="CausalLMAttribute"/>, <see cref="EncoderModelAttribute"/>) take only
    /// <see cref="All"/>.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix",
        Justification = "A stack of layers (encoder or decoder), not a Stack<T> collection; the name is the shared contract of issue #18.")]
    public enum ModelStack
    {
        /// <summary>Every stack of the model: the only stack of a causal LM or an encoder, both stacks of a seq2seq model. The default.</summary>
        All = 0,

        /// <summary>The encoder stack of a seq2seq model: bidirectional settings are allowed here.</summary>
        Encoder = 1,

        /// <summary>The decoder stack of a seq2seq model: causal, as in a causal LM.</summary>
        Decoder = 2,
    }
}
