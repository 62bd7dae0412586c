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

        /// <summary>
        /// Every token reads the whole sequence, phi(q_i) times the sum over ALL j of phi(k_j) v_j^T (plain feature maps
        /// only): an encoder's linear attention. Default false: causal. A causal language model or a decoder with it
        /// learns to copy the next token (information leakage; analyzer LDSL2011 reports it there).
        /// </summary>
        public bool Bidirectional { get; set; }

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
        /// the current token and the <see cref="ConvTaps"/> - 1 before it. The other values read later tokens: a
        /// bidirectional conv in an encoder (<see cref="LinearDsl.ConvPadding.Centered"/>), information leakage in a
        /// causal LM or a decoder, where analyzer LDSL2001 reports them.
        /// </summary>
        public ConvPadding ConvPadding { get; set; }

        /// <summary>
        /// Whether the local ReLU² attention is masked causally inside a group (L2 map). Default true. False lets every
        /// token of a group see the group's later tokens: the bidirectional local block of an encoder, information
        /// leakage in a causal LM or a decoder (analyzer LDSL2002 reports it there).
        /// </summary>
        public bool CausalLocal { get; set; } = true;

        /// <summary>
        /// Whether a token's global term includes its own group (L2 map). Default false: only complete EARLIER groups.
        /// True lets a token see the later tokens of its group: allowed in an encoder, information leakage in a causal LM
        /// or a decoder (analyzer LDSL2003 reports it there).
        /// </summary>
        public bool InclusiveGlobalPrefix { get; set; }

        /// <summary>
        /// How the global term forgets (L2 map). Default <see cref="GateKind.None"/>: the paper's plain sum over complete
        /// earlier groups. <see cref="GateKind.Gla"/> decays the global state per key dimension with GLA's data-dependent
        /// gates, computed from the key; the global term then reads the state at the end of the last complete group,
        /// decayed by the query's own gates since its group began (causal; docs/dsl.md, "Gated global term").
        /// </summary>
        public GateKind Gate { get; set; }

        /// <summary>Temperature tau of the GLA gates: log a_t = logsigmoid(k_t W_g + b_g) / tau. Default 16, as in GLA.</summary>
        public double GateTemperature { get; set; } = 16;

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();

        /// <summary>
        /// On a <see cref="Seq2SeqModelAttribute"/> model, the stack this mixer (and its Layers) belongs to. Default
        /// <see cref="ModelStack.All"/>: both stacks, or the only stack of any other model.
        /// </summary>
        public ModelStack Stack { get; set; }
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
        /// A causal language model or a decoder with it learns to copy the next token (information leakage; analyzer
        /// LDSL2004 reports it there), and such a layer has no decoding forms.
        /// </summary>
        public bool Bidirectional { get; set; }

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();

        /// <summary>
        /// On a <see cref="Seq2SeqModelAttribute"/> model, the stack this mixer (and its Layers) belongs to. Default
        /// <see cref="ModelStack.All"/>: both stacks, or the only stack of any other model.
        /// </summary>
        public ModelStack Stack { get; set; }
    }

    // Gated and decayed linear attentions (RetNet, GLA, Mamba-2): one shared chunked core, a gate rule per kind.

    /// <summary>
    /// RetNet-style retention as the token mixer of every layer, or of the layers listed in <see cref="Layers"/>: linear
    /// attention whose state decays by a fixed factor per key/value head, S_t = gamma_h S_{t-1} + k_t v_t^T,
    /// o_t = q_t S_t / sqrt(d), with RetNet's gamma_h = 1 - 2^(-5 - h) for 8 heads (spread the same way over any count).
    /// No decay parameters; causal by construction.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class RetNetAttribute : Attribute
    {
        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/>. Each has its own decay and state. Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>Normalise each head's output to unit RMS (RetNet's GroupNorm without its affine part). Default true.</summary>
        public bool OutputNorm { get; set; } = true;

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();

        /// <summary>
        /// On a <see cref="Seq2SeqModelAttribute"/> model, the stack this mixer (and its Layers) belongs to. Default
        /// <see cref="ModelStack.All"/>: both stacks, or the only stack of any other model.
        /// </summary>
        public ModelStack Stack { get; set; }
    }

    /// <summary>
    /// Gated linear attention (GLA) as the token mixer of every layer, or of the layers listed in <see cref="Layers"/>:
    /// a data-dependent forget gate per key dimension, S_t = diag(a_t) S_{t-1} + k_t v_t^T, o_t = q_t S_t / sqrt(d),
    /// log a_t = logsigmoid(k_t W_g + b_g) / <see cref="GateTemperature"/>. The gate is computed from the token's key
    /// (a learned d x d map per key/value head). Causal by construction.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GlaAttribute : Attribute
    {
        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/>. Each has its own gates and state. Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>Divides logsigmoid of the gate logits, keeping gates near 1 (the GLA paper's 16). Default 16.</summary>
        public double GateTemperature { get; set; } = 16;

        /// <summary>Normalise each head's output to unit RMS (GLA's per-head RMSNorm without its weight). Default true.</summary>
        public bool OutputNorm { get; set; } = true;

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();

        /// <summary>
        /// On a <see cref="Seq2SeqModelAttribute"/> model, the stack this mixer (and its Layers) belongs to. Default
        /// <see cref="ModelStack.All"/>: both stacks, or the only stack of any other model.
        /// </summary>
        public ModelStack Stack { get; set; }
    }

    /// <summary>
    /// Mamba-2 (state-space duality, attention form) as the token mixer of every layer, or of the layers listed in
    /// <see cref="Layers"/>: a data-dependent scalar decay per key/value head, dt_t = softplus(k_t . w_dt + b_dt),
    /// a_t = exp(-exp(A_log) dt_t), S_t = a_t S_{t-1} + dt_t k_t v_t^T, o_t = q_t S_t / sqrt(d). dt is computed from the
    /// token's key. Causal by construction.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Mamba2Attribute : Attribute
    {
        /// <summary>Query heads; must divide the model width. Default: heads of 64 dimensions (Dim / 64), when Dim is a multiple of 64.</summary>
        public int Heads { get; set; }

        /// <summary>Key/value heads; must divide <see cref="Heads"/>. Each has its own decay and state. Default 0: as many as Heads.</summary>
        public int KvHeads { get; set; }

        /// <summary>Normalise each head's output to unit RMS (Mamba-2's RMSNorm without its gate and weight). Default true.</summary>
        public bool OutputNorm { get; set; } = true;

        /// <summary>The layers (0-based) that use this mixer. Default empty: every layer no other mixer attribute lists.</summary>
        public int[] Layers { get; set; } = Array.Empty<int>();

        /// <summary>
        /// On a <see cref="Seq2SeqModelAttribute"/> model, the stack this mixer (and its Layers) belongs to. Default
        /// <see cref="ModelStack.All"/>: both stacks, or the only stack of any other model.
        /// </summary>
        public ModelStack Stack { get; set; }
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

        /// <summary>
        /// On a <see cref="Seq2SeqModelAttribute"/> model, the stack this mixer (and its Layers) belongs to. Default
        /// <see cref="ModelStack.All"/>: both stacks, or the only stack of any other model.
        /// </summary>
        public ModelStack Stack { get; set; }
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
