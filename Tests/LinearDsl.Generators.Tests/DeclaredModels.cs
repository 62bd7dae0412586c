// Models declared with the DSL, generated at build time by LinearDsl.Generators (referenced as an analyzer).
// The same text is fed to the generator in GeneratorBaselineTests and compared with Baselines/.
using LinearDsl;

namespace LinearDsl.Generators.Tests.Declared;

/// <summary>The paper's augmented linear attention: the design card's [LinearAttention(Groups = 4, DWConv = true)].</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
[RmsNorm, Rotary(Theta = 100), SwiGlu(Hidden = 24)]
[LinearAttention(Heads = 2, Groups = 4, DWConv = true, ConvTaps = 3)]
public partial class TinyAugmented;

/// <summary>Plain linear attention with a feature map and a denominator.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Hedgehog, Denominator = true)]
public partial class TinyHedgehog;

/// <summary>The softmax baseline, GPT-2 style: LayerNorm, learned positions, GELU MLP, tied embeddings.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32, TiedEmbeddings = true)]
[LayerNorm, LearnedPositions, GeluMlp]
[SoftmaxAttention(Heads = 4)]
public partial class TinySoftmaxGpt;

/// <summary>A hybrid: layer 0 softmax, the rest augmented linear.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 3, ContextLength = 32)]
[SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3)]
public partial class TinyHybrid;

/// <summary>Grouped-query attention: four query heads share two key/value heads.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
[LinearAttention(Heads = 4, KvHeads = 2, GroupSize = 4, ConvTaps = 3)]
public partial class TinyGqa;

/// <summary>A draft for <see cref="TinyAugmented"/>: one layer, narrower, same vocabulary.</summary>
[CausalLM(VocabSize = 48, Dim = 8, Layers = 1, ContextLength = 32)]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3)]
[DraftFor(typeof(TinyAugmented))]
public partial class TinyDraft;
