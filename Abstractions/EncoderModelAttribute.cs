using System;

namespace LinearDsl
{
    /// <summary>
    /// Declares an encoder (BERT-style) on a <c>partial</c> class: a stack of layers in which every token may see the
    /// whole sequence, with a masked-language-model head and a pooled embedding. The source generator writes the
    /// declared config (a runtime ModelConfig with Architecture = Encoder), a factory of the model and checkpoint
    /// save and load. Mixers take the same attributes as a causal LM's; bidirectional settings
    /// (<see cref="SoftmaxAttentionAttribute.Bidirectional"/>, <see cref="LinearAttentionAttribute.Bidirectional"/>,
    /// a centred conv, <see cref="LinearAttentionAttribute.CausalLocal"/> = false,
    /// <see cref="LinearAttentionAttribute.InclusiveGlobalPrefix"/>) are what an encoder is for.
    /// </summary>
    /// <example>
    /// <code>
    /// [EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256)]
    /// [SoftmaxAttention(Heads = 4, Bidirectional = true)]
    /// public partial class ByteEncoder;
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class EncoderModelAttribute : Attribute
    {
        /// <summary>Number of token ids, the mask token included. Required (positive).</summary>
        public int VocabSize { get; set; }

        /// <summary>Width of the residual stream (hidden size). Required (positive).</summary>
        public int Dim { get; set; }

        /// <summary>Number of encoder blocks. Required (positive).</summary>
        public int Layers { get; set; }

        /// <summary>Training context length. Required (positive); as in <see cref="CausalLMAttribute.ContextLength"/>.</summary>
        public int ContextLength { get; set; }

        /// <summary>
        /// The token id that the masked-language-model objective writes over masked tokens. Required: an id below
        /// <see cref="VocabSize"/> (a byte encoder has VocabSize = 257 and MaskTokenId = 256).
        /// </summary>
        public int MaskTokenId { get; set; } = -1;

        /// <summary>How <c>Embed</c> pools the hidden states into one vector per sequence. Default <see cref="LinearDsl.Pooling.Mean"/>.</summary>
        public Pooling Pooling { get; set; }

        /// <summary>Use the token embedding as the masked-language-model head (no separate mlm_head weight). Default false.</summary>
        public bool TiedEmbeddings { get; set; }

        /// <summary>Biases on every attention projection (query, key, value and output), as BERT has. Default false.</summary>
        public bool AttentionBias { get; set; }

        /// <summary>
        /// Where the blocks normalise. Default <see cref="LinearDsl.NormPlacement.Pre"/>; <see cref="LinearDsl.NormPlacement.Post"/>
        /// is BERT's layout: the embeddings are normalised, each residual sum is normalised, and there is no final norm.
        /// </summary>
        public NormPlacement NormPlacement { get; set; }

        /// <summary>Number of token types (segments, BERT's type_vocab_size) embedded alongside the tokens. Default 0: none.</summary>
        public int TokenTypes { get; set; }

        /// <summary>
        /// The masked-language-model head. Default <see cref="MlmHeadKind.Linear"/>; <see cref="MlmHeadKind.Transform"/>
        /// (BERT's dense + GELU + layer norm before the vocabulary projection) needs [LayerNorm].
        /// </summary>
        public MlmHeadKind MlmHead { get; set; }
    }
}
