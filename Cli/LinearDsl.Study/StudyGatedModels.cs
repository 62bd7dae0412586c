// The gated and decayed linear attentions of the study (issue 16): the same shape as every other variant (see
// StudyModels.cs); only the token mixer differs, and GLA's gate projection is paid for with a narrower MLP.
using LinearDsl;

namespace LinearDsl.Study;

/// <summary>RetNet retention: a fixed decay per head (1 - 2^-5 and 1 - 2^-12 for the two heads), no extra parameters.</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[RetNet(Heads = 2)]
public partial class StudyRetNet;

/// <summary>
/// GLA: a data-dependent gate per key dimension from the key (W_g adds 2 x (64 x 64 + 64) parameters per layer); the MLP
/// is 22 units narrower (3 x 128 x 22 per layer) to keep the parameter count level.
/// </summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 322)]
[Gla(Heads = 2)]
public partial class StudyGla;

/// <summary>Mamba-2 SSD, attention form: a data-dependent scalar decay per head from the key (2 x 66 parameters per layer).</summary>
[CausalLM(VocabSize = 256, Dim = 128, Layers = 4, ContextLength = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[Mamba2(Heads = 2)]
public partial class StudyMamba2;
