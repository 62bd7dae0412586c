// Ready-made GPT-2-style models (LayerNorm, learned absolute positions, GELU MLP, tied embeddings, byte vocabulary).
using LinearDsl;

namespace LinearDsl.Models;

/// <summary>GPT-2-style softmax attention.</summary>
[CausalLM(VocabSize = 256, Dim = 192, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[LayerNorm, LearnedPositions, GeluMlp]
[SoftmaxAttention(Heads = 3)]
public partial class Gpt2Softmax;

/// <summary>The same GPT-2-style model with augmented linear attention (what <c>lineardsl linearize</c> produces from it).</summary>
[CausalLM(VocabSize = 256, Dim = 192, Layers = 6, ContextLength = 256, TiedEmbeddings = true)]
[LayerNorm, LearnedPositions, GeluMlp]
[LinearAttention(Heads = 3, GroupSize = 64, DWConv = true, ConvTaps = 32)]
public partial class Gpt2Linear;

/// <summary>A draft for <see cref="Gpt2Linear"/>.</summary>
[CausalLM(VocabSize = 256, Dim = 64, Layers = 1, ContextLength = 256, TiedEmbeddings = true)]
[LayerNorm, LearnedPositions, GeluMlp]
[LinearAttention(Heads = 1, GroupSize = 64, DWConv = true, ConvTaps = 32)]
[DraftFor(typeof(Gpt2Linear))]
public partial class Gpt2LinearDraft;
