// Encoders and encoder-decoders declared with the DSL, generated at build time by LinearDsl.Generators (referenced as
// an analyzer). The same text is fed to the generator in GeneratorBaselineTests and compared with Baselines/Encoders/,
// and read by the analyzer tests (DeclarationFileTests), where it draws no diagnostic: every encoder stack below is
// bidirectional and every decoder stack causal.
using LinearDsl;

namespace LinearDsl.Generators.Tests.Encoders;

/// <summary>A BERT-style byte encoder: bidirectional softmax, MLM head of its own, mean pooling.</summary>
[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 32, MaskTokenId = 32)]
[SoftmaxAttention(Heads = 2, Bidirectional = true)]
public partial class TinyBertEncoder;

/// <summary>
/// A linear encoder: layer 0 bidirectional linear attention, the rest the augmented form with every part bidirectional
/// (centred conv, unmasked local block, global term that includes the own group); tied MLM head, first-token pooling.
/// </summary>
[EncoderModel(VocabSize = 33, Dim = 16, Layers = 3, ContextLength = 32, MaskTokenId = 32, Pooling = Pooling.First, TiedEmbeddings = true)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = true, Layers = new[] { 0 })]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3, ConvPadding = ConvPadding.Centered, CausalLocal = false, InclusiveGlobalPrefix = true)]
public partial class TinyLinearEncoder;

/// <summary>A T5-style encoder-decoder: bidirectional softmax encoder, causal softmax decoder, softmax cross-attention.</summary>
[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 32)]
[CrossAttention(Heads = 2)]
[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]
[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]
public partial class TinyT5;

/// <summary>
/// An encoder-decoder whose decoder state is O(1) in the source length: bidirectional linear encoder, linear
/// cross-attention, a hybrid decoder (layer 0 softmax, the rest augmented linear).
/// </summary>
[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 1, DecoderLayers = 3, ContextLength = 32, DecoderStartTokenId = 1)]
[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2, FeatureMap = LinearFeatureMap.Relu)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = true, Stack = ModelStack.Encoder)]
[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder, Layers = new[] { 0 })]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3, Stack = ModelStack.Decoder)]
public partial class TinyLinearT5;

/// <summary>
/// BERT's layout: post-norm blocks with layer norms (normalised embeddings, no final norm), learned positions, two token
/// types, biased attention projections, the exact-GELU MLP with biases, BERT's head transform before the vocabulary
/// projection, [CLS] pooling.
/// </summary>
[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 32, MaskTokenId = 32, Pooling = Pooling.First,
    NormPlacement = NormPlacement.Post, TokenTypes = 2, MlmHead = MlmHeadKind.Transform, AttentionBias = true)]
[LayerNorm(Eps = 1e-12), LearnedPositions, GeluMlp(Exact = true)]
[SoftmaxAttention(Heads = 2, Bidirectional = true)]
public partial class TinyBertLayout;

/// <summary>T5 v1.0's MLP (down(relu(up(x))), default width 4 x Dim) in an encoder-decoder.</summary>
[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 1, DecoderLayers = 2, ContextLength = 32)]
[CrossAttention(Heads = 2)]
[ReluMlp]
[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]
[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]
public partial class TinyReluT5;

/// <summary>T5 v1.1's gated-GELU MLP (default width 8/3 x Dim, as SwiGLU) in an encoder-decoder with a linear decoder.</summary>
[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 2, DecoderLayers = 1, ContextLength = 32)]
[CrossAttention(Heads = 2)]
[GeGluMlp]
[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]
[LinearAttention(Heads = 2, GroupSize = 4, ConvTaps = 3, Stack = ModelStack.Decoder)]
public partial class TinyGeGluT5;
