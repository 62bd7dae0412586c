using System;

namespace LinearDsl
{
    /// <summary>
    /// The cross-attention of every decoder layer of a <see cref="Seq2SeqModelAttribute"/> model: queries from the
    /// decoder, keys and values from the encoder's output. Softmax attention (the default) keeps the encoder's keys
    /// and values; linear attention keeps their sum of phi(k) v^T, a decoder state independent of the source length.
    /// Optional: without it, a seq2seq model has softmax cross-attention with the default heads.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class CrossAttentionAttribute : Attribute
    {
        /// <summary>Softmax or linear cross-attention. Default <see cref="CrossAttentionKind.Softmax"/>.</summary>
        public CrossAttentionKind Kind { get; set; }

        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/>. Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>
        /// The feature map phi of linear cross-attention (<see cref="Kind"/> = Linear only): a plain map, not
        /// <see cref="LinearFeatureMap.L2"/> (the augmented form's, which has no denominator). Default
        /// <see cref="LinearFeatureMap.EluPlusOne"/>.
        /// </summary>
        public LinearFeatureMap FeatureMap { get; set; } = LinearFeatureMap.EluPlusOne;
    }
}
