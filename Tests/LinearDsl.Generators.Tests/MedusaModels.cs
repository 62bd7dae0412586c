// Declared models with Medusa heads: the generator writes their heads into Config and adds MedusaHeadCount and
// ProposeNext (baselines in Baselines/Medusa/).
using LinearDsl;

namespace LinearDsl.Generators.Tests.Medusa;

/// <summary>Augmented linear attention with three one-block Medusa heads.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32, TiedEmbeddings = true)]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3)]
[MedusaHeads(Count = 3)]
public partial class TinyMedusa;

/// <summary>Softmax attention with two heads of two residual blocks each, untied output head, heads stored in float16.</summary>
[CausalLM(VocabSize = 48, Dim = 16, Layers = 1, ContextLength = 32)]
[SoftmaxAttention(Heads = 2)]
[MedusaHeads(Count = 2, Layers = 2, Float16Storage = true)]
public partial class TinyMedusaSoftmax;
