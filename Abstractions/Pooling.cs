namespace LinearDsl
{
    /// <summary>How an <see cref="EncoderModelAttribute"/> model turns its hidden states [batch, time, width] into one embedding per sequence.</summary>
    public enum Pooling
    {
        /// <summary>The mean of the hidden states of the sequence's tokens, padding excluded. The default.</summary>
        Mean = 0,

        /// <summary>The hidden state of the first token (BERT's [CLS] position).</summary>
        First = 1,
    }
}
