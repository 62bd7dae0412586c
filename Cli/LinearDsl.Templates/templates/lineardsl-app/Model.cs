using LinearDsl;

namespace LinearDslApp;

/// <summary>
/// A small byte-level model with the paper's augmented linear attention: local attention inside causal groups of
/// 16 tokens (64 / 4), a global term over the earlier groups and a causal depthwise convolution. The source generator
/// writes Create, Save, Load and the decode program; the analyzers reject settings that would read later tokens.
/// </summary>
[CausalLM(VocabSize = 256, Dim = 64, Layers = 2, ContextLength = 64)]
[RmsNorm, Rotary, SwiGlu(Hidden = 172)]
[LinearAttention(Heads = 2, Groups = 4, DWConv = true, ConvTaps = 8)]
public partial class TinyModel;
