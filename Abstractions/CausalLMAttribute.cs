using System;

namespace LinearDsl
{
    /// <summary>
    /// Declares a causal language model on a <c>partial</c> class. The source generator writes the other part of the
    /// class: the declared config (a runtime ModelConfig), a factory of the model with its decoding forms, and
    /// checkpoint save and load for this architecture.
    /// Add one mixer attribute (<see cref="LinearAttentionAttribute"/> or <see cref="SoftmaxAttentionAttribute"/>)
    /// and optionally a norm, a position and an MLP attribute.
    /// </summary>
    /// <example>
    /// <code>
    /// [CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 1024)]
    /// [LinearAttention(Heads = 4, Groups = 16, DWConv = true)]
    /// public partial class TinyAug;
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class CausalLMAttribute : Attribute
    {
        /// <summary>Number of token ids. Required (positive).</summary>
        public int VocabSize { get; set; }

        /// <summary>Width of the residual stream (hidden size). Required (positive).</summary>
        public int Dim { get; set; }

        /// <summary>Number of decoder blocks. Required (positive).</summary>
        public int Layers { get; set; }

        /// <summary>
        /// Training context length. Required (positive). It sizes the learned position table and gives meaning to
        /// <see cref="LinearAttentionAttribute.Groups"/> (group size = ContextLength / Groups).
        /// </summary>
        public int ContextLength { get; set; }

        /// <summary>Use the token embedding as the output head (no separate lm_head weight). Default false.</summary>
        public bool TiedEmbeddings { get; set; }
    }
}
