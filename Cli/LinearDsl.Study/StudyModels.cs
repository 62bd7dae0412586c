// The variants of `lineardsl study` (docs/study.md): the paper's comparison of token mixers on an autoregressive
// model, at a size that trains in minutes on a 2-core CPU. Every variant has the same shape (byte vocabulary, width
// 128, 4 layers, 2 heads of 64, context 256, RMSNorm, RoPE, SwiGLU, tied embeddings) and, within 5 %, the same
// parameter count (StudyModelTests checks it); only the token mixer differs, and Hedgehog's learnable feature map
// is paid for with a narrower MLP. The study trains them with one tokenizer, token budget, optimizer and seed.
using System.Diagnostics.CodeAnalysis;
using LinearDsl;

namespace LinearDsl.Study;

/// <summary>The reference: causal softmax attention with a KV cache.</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[SoftmaxAttention(Heads = 2)]
public partial class StudySoftmax;

/// <summary>Linear attention with elu(x) + 1 and a denominator (Katharopoulos et al.).</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Denominator = true)]
public partial class StudyEluLinear;

/// <summary>Linear attention with relu(x) and a denominator.</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Denominator = true)]
public partial class StudyReluLinear;

/// <summary>Performer / FAVOR+: 64 positive random features per head (a fixed buffer, no parameters), a denominator.</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Performer, Denominator = true)]
public partial class StudyPerformer;

/// <summary>
/// Hedgehog's learnable map softmax([xW, -xW]) with a denominator. W adds 2 x 2 x 64 x 64 parameters per layer
/// (queries and keys); the MLP is 40 units narrower (3 x 128 x 40 per layer) to keep the parameter count level.
/// </summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 304)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Hedgehog, Denominator = true)]
public partial class StudyHedgehog;

/// <summary>
/// FLASH-style: quadratic (ReLU²) attention inside local groups of 64 plus a global linear term over earlier groups,
/// no conv. FLASH scales its linear term by 1/n for groups of n tokens, so alpha starts at 1/64 (learnable here). FLASH's
/// gated attention unit and its scaling of the quadratic scores are not declarable, so this is the closest form: it
/// differs from <see cref="StudyLocalGlobal"/> (the method's ablation, alpha from 0) only in alpha's start.
/// </summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = false, AlphaInit = 0.015625)]
public partial class StudyFlashStyle;

/// <summary>Ablation: the method's local ReLU² attention inside causal groups of 64 only.</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, Global = false, DWConv = false)]
public partial class StudyLocalOnly;

/// <summary>
/// Ablation: the grouped global term only (complete earlier groups of 64); alpha starts at 0 as in the method (it
/// learns from the first step), so the ablations differ from the method only in which parts are on.
/// </summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, Local = false, DWConv = false)]
public partial class StudyGlobalOnly;

/// <summary>Ablation: local + grouped global (alpha starts at 0, as in the method), no conv.</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = false)]
public partial class StudyLocalGlobal;

/// <summary>The method: local + grouped global + a 32-tap causal depthwise conv over V (alpha and the kernel start at 0).</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = true, ConvTaps = 32)]
public partial class StudyAugmented;

/// <summary>
/// The method with a leaky conv: the paper's 63-tap centred kernel with its 31 future taps left unmasked, so each
/// output reads the next 31 tokens. It trains (Forward) but cannot decode (Step, Verify refuse), and the causality
/// probe flags it: the study uses it to show the information-leakage finding.
/// </summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2001:Convolution reads later tokens",
    Justification = "Deliberate: the study's leaky-conv variant demonstrates the paper's information-leakage finding; the study's causality probe and generation check flag it.")]
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = true, ConvTaps = 63, ConvPadding = ConvPadding.Centered)]
public partial class StudyLeakyConv;

/// <summary>
/// The study's fixed draft for greedy speculative decoding of every causal variant: one layer of width 64 with the
/// method's mixer (a tenth of a variant's parameters), trained once per study run on the same data.
/// </summary>
[CausalLM(VocabSize = 256, Dim = 64, Layers = 1, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 176)]
[LinearAttention(Heads = 1, GroupSize = 64, DWConv = true, ConvTaps = 32)]
[DraftFor(typeof(StudyAugmented))]
public partial class StudyDraft;

/// <summary>
/// DeltaNet (issue 16): the delta rule with L2-normalised queries and keys and a writing strength beta from the key
/// (2 x 65 parameters per layer, under 0.1 % of the model, so the MLP is the reference's).
/// </summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[DeltaNet(Heads = 2)]
public partial class StudyDeltaNet;
