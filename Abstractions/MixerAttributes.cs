using System;

namespace LinearDsl
{
    /// <summary>
    /// Linear attention as the token mixer of every layer, or of the layers listed in <see cref="Layers"/>.
    /// With the default <see cref="FeatureMap"/> (<see cref="LinearFeatureMap.L2"/>) it is the augmented linear
    /// attention of "When Linear Attention Meets Autoregressive Decoding": local ReLU² attention inside causal
    /// groups, alpha times a global term over complete earlier groups, and a causal depthwise convolution over V.
    /// The other feature maps give plain linear attention, with or without a denominator.
    /// </summary>
    /// <remarks>
    /// <para><b>Groups and GroupSize.</b> The paper's code splits the training sequence into a number of groups
    /// (4 by default). <see cref="Groups"/> is that count per context window, so the group size is
    /// ContextLength / Groups; <see cref="GroupSize"/> gives the size directly instead. Give at most one of them;
    /// with neither, the group size is 64 tokens (the paper's G), or the context length if that is shorter.</para>
    /// <para><c>[LinearAttention(Groups = 4, DWConv = true)]</c> with ContextLength = 1024 means groups of 256
    /// tokens and a 32-tap causal conv.</para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LinearAttentionAttribute : Attribute
    {
        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/> (fewer is grouped-query attention). Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>The feature map. Default <see cref="LinearFeatureMap.L2"/> (the augmented form).</summary>
        public LinearFeatureMap FeatureMap { get; set; }

        /// <summary>Width of Performer, Hedgehog and T2R features. Default 0: the head size.</summary>
        public int FeatureDim { get; set; }

        /// <summary>
        /// Divide by phi(q) . sum phi(k) + eps, the normalisation of linear attention (plain feature maps only; the L2
        /// map has none, whatever this says). Default true, as in the runtime's LinearAttentionOptions.
        /// </summary>
        public bool Denominator { get; set; } = true;

        /// <summary>Groups per context window (group size = ContextLength / Groups). Default 0: not set.</summary>
        public int Groups { get; set; }

        /// <summary>Tokens per group. Default 0: not set (see the remarks for the default size).</summary>
        public int GroupSize { get; set; }

        /// <summary>Local ReLU² attention inside causal groups (L2 map). Default true.</summary>
        public bool Local { get; set; } = true;

        /// <summary>Grouped global term over complete earlier groups, scaled by a learnable alpha (L2 map). Default true.</summary>
        public bool Global { get; set; } = true;

        /// <summary>Causal depthwise convolution over V (L2 map). Default true.</summary>
        public bool DWConv { get; set; } = true;

        /// <summary>Taps of the causal convolution, the current token included. Default 32.</summary>
        public int ConvTaps { get; set; } = 32;

        /// <summary>Initial alpha of the global term. Default 0 (a converted model starts as local only).</summary>
        public double AlphaInit { get; set; }

        /// <summary>
        /// Where the taps of the depthwise convolution sit in time (L2 map). Default <see cref="LinearDsl.ConvPadding.Causal"/>:
        /// the current token and the <see cref="ConvTaps"/> - 1 before it. The other values read future tokens and
        /// exist only to demonstrate information leakage; analyzer LDSL2001 reports them.
        /// </summary>
        public ConvPadding ConvPadding { get; set; }

        /// <summary>
        /// Whether the local ReLU² attention is masked causally inside a group (L2 map). Default true. False lets every
        /// token of a group see the group's later tokens (information leakage; analyzer LDSL2002 reports it).
        /// </summary>
        public bool CausalLocal { get; set; } = true;

        /// <summary>
        /// Whether a token's global term includes its own group (L2 map). Default false: only complete EARLIER groups.
        /// True lets a token see the later tokens of its group (information leakage; analyzer LDSL2003 reports it).
        /// </summary>
        public bool InclusiveGlobalPrefix { get; set; }

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();
    }

    /// <summary>
    /// Causal softmax attention with a KV cache as the token mixer of every layer, or of the layers listed in
    /// <see cref="Layers"/> (hybrids, for example layer 0 softmax and the rest linear).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SoftmaxAttentionAttribute : Attribute
    {
        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/>. Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>
        /// Attend to every token of the sequence, later ones included (an encoder's attention). Default false: causal.
        /// A causal language model with it learns to copy the next token (information leakage; analyzer LDSL2004
        /// reports it), and such a layer has no decoding forms.
        /// </summary>
        public bool Bidirectional { get; set; }

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();
    }

    /// <summary>
    /// DeltaNet's delta rule as the token mixer of every layer, or of the layers listed in <see cref="Layers"/>: keys and
    /// queries L2-normalised per head, a writing strength beta_t = sigmoid(k_t . w_b + b_b) computed from the key,
    /// S_t = S_{t-1} + beta_t k_t (v_t - S_{t-1}^T k_t)^T and o_t = q_t^T S_t. Causal, with a d x d state per KV head.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DeltaNetAttribute : Attribute
    {
        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/>. Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>Chunk length of the parallel form (a compute choice; the function is the same). Default 0: not set (64 tokens).</summary>
        public int ChunkSize { get; set; }

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();
    }

    /// <summary>
    /// Marks this model as the speculative-decoding draft of <see cref="Target"/>: both must share the vocabulary,
    /// and the draft should cost much less per token than the target.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class DraftForAttribute : Attribute
    {
        /// <summary>Pairs this draft with its target model.</summary>
        public DraftForAttribute(Type target) => Target = target;

        /// <summary>The target model (a class with <see cref="CausalLMAttribute"/>).</summary>
        public Type Target { get; }
    }
}
