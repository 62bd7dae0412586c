// The variants of `lineardsl study --encoders` and `--seq2seq` (docs/study.md): the paper's comparison of attentions
// in encoders (BERT-style masked LM) and encoder-decoders (T5-style span corruption). Every encoder has the causal
// study's shape (width 128, 4 layers, 2 heads of 64, context 256, RMSNorm, RoPE, SwiGLU, tied embeddings) with one
// more token id, the mask (256); every seq2seq model has 2 encoder and 2 decoder layers of that width, reads rows of
// 128 bytes, and has the decoder start token 256 and 16 sentinels 257..272. Only the attention differs; a kind with a
// bidirectional form uses it in the encoder, and a decoder is always causal.
using System.Diagnostics.CodeAnalysis;
using LinearDsl;

namespace LinearDsl.Study;

/// <summary>Bidirectional softmax attention (BERT).</summary>
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[SoftmaxAttention(Heads = 2, Bidirectional = true)]
public partial class EncoderSoftmax;

/// <summary>Causal softmax attention in an encoder: what bidirectionality buys (LDSL2010 says it wastes context).</summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2010", Justification = "Deliberate: the study measures what a causal encoder loses.")]
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[SoftmaxAttention(Heads = 2)]
public partial class EncoderSoftmaxCausal;

/// <summary>Bidirectional linear attention, elu(x) + 1.</summary>
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Denominator = true, Bidirectional = true)]
public partial class EncoderEluLinear;

/// <summary>Bidirectional linear attention, relu(x).</summary>
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Denominator = true, Bidirectional = true)]
public partial class EncoderReluLinear;

/// <summary>Bidirectional Performer (FAVOR+, 64 random features per head).</summary>
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Performer, Denominator = true, Bidirectional = true)]
public partial class EncoderPerformer;

/// <summary>Bidirectional Hedgehog (learnable map; the MLP 40 units narrower, as in the causal study).</summary>
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 304)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Hedgehog, Denominator = true, Bidirectional = true)]
public partial class EncoderHedgehog;

/// <summary>The augmented form's bidirectional version: local attention over the whole group, the global term with the own group, a 63-tap centred conv.</summary>
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = true, ConvTaps = 63, ConvPadding = ConvPadding.Centered, CausalLocal = false, InclusiveGlobalPrefix = true)]
public partial class EncoderAugmented;

/// <summary>RetNet: a causal-only kind (no bidirectional form), run causally in the encoder.</summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2010", Justification = "Deliberate: the study measures a causal-only kind in an encoder.")]
[EncoderModel(VocabSize = 257, Dim = 128, Layers = 4, ContextLength = 256, MaskTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[RetNet(Heads = 2)]
public partial class EncoderRetNet;
