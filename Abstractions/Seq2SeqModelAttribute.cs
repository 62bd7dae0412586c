using System;

namespace LinearDsl
{
    /// <summary>
    /// Declares an encoder-decoder (T5-style) on a <c>partial</c> class: an encoder stack that reads the source in
    /// both directions, and a causal decoder stack that reads the encoder's output through cross-attention
    /// (<see cref="CrossAttentionAttribute"/>) and decodes like a causal LM. The source generator writes the declared
    /// config (a runtime ModelConfig with Architecture = Seq2Seq), a factory of the model and checkpoint save and load.
    /// A mixer attribute applies to both stacks unless its <c>Stack</c> names one; its <c>Layers</c> count within that stack.
    /// </summary>
    /// <example>
    /// <code>
    /// [Seq2SeqModel(VocabSize = 256, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 256)]
    /// [CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 4)]
    /// [SoftmaxAttention(Heads = 4, Bidirectional = true, Stack = ModelStack.Encoder)]
    /// [LinearAttention(Heads = 4, Stack = ModelStack.Decoder)]
    /// public partial class TinyT5;
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class Seq2SeqModelAttribute : Attribute
    {
        /// <summary>Number of token ids, shared by source and target. Required (positive).</summary>
        public int VocabSize { get; set; }

        /// <summary>Width of the residual stream of both stacks (hidden size). Required (positive).</summary>
        public int Dim { get; set; }

        /// <summary>Number of encoder blocks. Required (positive).</summary>
        public int EncoderLayers { get; set; }

        /// <summary>Number of decoder blocks, each with self-attention, cross-attention and an MLP. Required (positive).</summary>
        public int DecoderLayers { get; set; }

        /// <summary>Training context length of source and target. Required (positive); as in <see cref="CausalLMAttribute.ContextLength"/>.</summary>
        public int ContextLength { get; set; }

        /// <summary>The token the decoder starts every target with (T5 uses its pad id). Default 0; must be below <see cref="VocabSize"/>.</summary>
        public int DecoderStartTokenId { get; set; }

        /// <summary>Use the token embedding as the output head (no separate lm_head weight). Default false.</summary>
        public bool TiedEmbeddings { get; set; }

        /// <summary>Biases on every attention projection (self- and cross-attention, in both stacks). Default false.</summary>
        public bool AttentionBias { get; set; }
    }
}
