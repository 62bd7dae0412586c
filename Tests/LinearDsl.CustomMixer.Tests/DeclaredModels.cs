// Models with a user-defined mixer, declared with the DSL and generated at build time by LinearDsl.Generators.
using LinearDsl.Samples.CosFormer;

namespace LinearDsl.CustomMixer.Tests;

/// <summary>A hybrid target: layer 0 softmax, layers 1 and 2 cosFormer (M = 128) from the sample assembly.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 3, ContextLength = 64)]
[SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]
[Mixer<CosFormerMixer>(Heads = 2, Settings = new object[] { "maxLength", 128 })]
public partial class CosFormerLm;

/// <summary>A one-layer draft for <see cref="CosFormerLm"/>, cosFormer with its default M.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 1, ContextLength = 64)]
[Mixer<CosFormerMixer>(Heads = 2)]
[DraftFor(typeof(CosFormerLm))]
public partial class CosFormerDraft;

/// <summary>A mixer with a learnable parameter of its own (<see cref="ScaledPrefixMean"/>), to carry through a checkpoint.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 64)]
[NoPositions]
[Mixer<ScaledPrefixMean>(Heads = 4, KvHeads = 2, Settings = new object[] { "initialScale", 0.5 })]
public partial class PrefixMeanLm;
