// Ready-made LLaMA-style models (RMSNorm, RoPE, SwiGLU, byte vocabulary) at the size of the bundled pair, one per
// token mixer the paper compares. Each is declared with the DSL; the generator writes Config, Create, Save and Load.
using LinearDsl;

namespace LinearDsl.Models;

/// <summary>
/// The paper's augmented linear attention (local ReLU^2 in groups of 64, grouped global term, 32-tap causal conv): the
/// bundled target, with four Medusa heads trained by <c>lineardsl train-heads</c> (docs/speculative.md).
/// </summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[LinearAttention(Heads = 4, GroupSize = 64, DWConv = true, ConvTaps = 32)]
[MedusaHeads(Count = 4, Float16Storage = true)]
public partial class AugLlama;

/// <summary>The bundled draft of <see cref="AugLlama"/>: two narrow layers of the same mixer, the same vocabulary (under a tenth of the target's parameters).</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 2, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = true, ConvTaps = 32)]
[DraftFor(typeof(AugLlama))]
public partial class AugLlamaDraft;

/// <summary>The softmax baseline with a KV cache.</summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[SoftmaxAttention(Heads = 4)]
public partial class SoftmaxLlama;

/// <summary>A hybrid: the first layer softmax, the rest augmented linear attention.</summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[SoftmaxAttention(Heads = 4, Layers = new[] { 0 })]
[LinearAttention(Heads = 4, GroupSize = 64, DWConv = true, ConvTaps = 32)]
public partial class HybridLlama;

/// <summary>Linear attention with elu(x) + 1 and a denominator (Katharopoulos et al.).</summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[LinearAttention(Heads = 4, FeatureMap = LinearFeatureMap.EluPlusOne, Denominator = true)]
public partial class EluLinearLlama;

/// <summary>Linear attention with relu(x) and a denominator.</summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[LinearAttention(Heads = 4, FeatureMap = LinearFeatureMap.Relu, Denominator = true)]
public partial class ReluLinearLlama;

/// <summary>Performer / FAVOR+ positive random features with a denominator.</summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[LinearAttention(Heads = 4, FeatureMap = LinearFeatureMap.Performer, Denominator = true)]
public partial class PerformerLlama;

/// <summary>Hedgehog's learnable feature map softmax([xW, -xW]) with a denominator.</summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[LinearAttention(Heads = 4, FeatureMap = LinearFeatureMap.Hedgehog, Denominator = true)]
public partial class HedgehogLlama;

/// <summary>
/// A FLASH-style mixer: quadratic attention inside local groups plus a global linear term over earlier groups, no
/// convolution. FLASH's gating is not part of the DSL; the closest declarable form is the augmented mixer without DWConv.
/// </summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[LinearAttention(Heads = 4, GroupSize = 64, DWConv = false)]
public partial class FlashStyleLlama;
