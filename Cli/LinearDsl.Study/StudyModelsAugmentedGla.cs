// The augmented form on a GLA-gated global term (issue 16), the study's shape as in StudyModels.cs.
using LinearDsl;

namespace LinearDsl.Study;

/// <summary>
/// The method on a GLA-gated global term: local + a global term that decays per key dimension by gates from the key
/// + the 32-tap causal conv. The gates' W_g (64 x 64 per head) are paid for with a narrower MLP (344 -> 322).
/// </summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 322)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = true, ConvTaps = 32, Gate = GateKind.Gla)]
public partial class StudyAugmentedGla;
