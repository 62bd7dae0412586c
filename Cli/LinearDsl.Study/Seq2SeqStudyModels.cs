// The seq2seq variants of `lineardsl study --seq2seq` (see EncoderStudyModels.cs for the shared shape): the encoder
// stack uses the kind's bidirectional form where it has one, the decoder stack its causal form, and cross-attention
// is softmax for the softmax variants and linear (the kind's feature map, elu + 1 otherwise) for the linear ones.
using System.Diagnostics.CodeAnalysis;
using LinearDsl;

namespace LinearDsl.Study;

/// <summary>T5-style: bidirectional softmax encoder, causal softmax decoder, softmax cross-attention.</summary>
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[CrossAttention(Kind = CrossAttentionKind.Softmax, Heads = 2)]
[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]
[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]
public partial class Seq2SeqSoftmax;

/// <summary>Softmax throughout, with a causal encoder: what bidirectionality buys.</summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2010", Justification = "Deliberate: the study measures what a causal encoder loses.")]
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[CrossAttention(Kind = CrossAttentionKind.Softmax, Heads = 2)]
[SoftmaxAttention(Heads = 2)]
public partial class Seq2SeqSoftmaxCausal;

/// <summary>elu + 1 linear attention in both stacks (bidirectional encoder) and linear cross-attention.</summary>
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Denominator = true, Bidirectional = true, Stack = ModelStack.Encoder)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Denominator = true, Stack = ModelStack.Decoder)]
public partial class Seq2SeqEluLinear;

/// <summary>relu linear attention in both stacks and linear cross-attention.</summary>
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2, FeatureMap = LinearFeatureMap.Relu)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Denominator = true, Bidirectional = true, Stack = ModelStack.Encoder)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Denominator = true, Stack = ModelStack.Decoder)]
public partial class Seq2SeqReluLinear;

/// <summary>Performer in both stacks; linear cross-attention with elu + 1 (random features are the mixers').</summary>
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Performer, Denominator = true, Bidirectional = true, Stack = ModelStack.Encoder)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Performer, Denominator = true, Stack = ModelStack.Decoder)]
public partial class Seq2SeqPerformer;

/// <summary>Hedgehog in both stacks; linear cross-attention with elu + 1.</summary>
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 304)]
[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Hedgehog, Denominator = true, Bidirectional = true, Stack = ModelStack.Encoder)]
[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Hedgehog, Denominator = true, Stack = ModelStack.Decoder)]
public partial class Seq2SeqHedgehog;

/// <summary>The augmented form: its bidirectional version in the encoder, the causal method in the decoder; linear cross-attention.</summary>
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = true, ConvTaps = 63, ConvPadding = ConvPadding.Centered, CausalLocal = false, InclusiveGlobalPrefix = true, Stack = ModelStack.Encoder)]
[LinearAttention(Heads = 2, GroupSize = 64, DWConv = true, ConvTaps = 32, Stack = ModelStack.Decoder)]
public partial class Seq2SeqAugmented;

/// <summary>RetNet (causal-only) in both stacks; linear cross-attention.</summary>
[SuppressMessage("LinearDsl.Causality", "LDSL2010", Justification = "Deliberate: the study measures a causal-only kind in an encoder.")]
[Seq2SeqModel(VocabSize = 273, Dim = 128, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 344)]
[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2)]
[RetNet(Heads = 2)]
public partial class Seq2SeqRetNet;

/// <summary>The fixed draft of speculative seq2seq decoding: width 64, one encoder and one decoder layer, softmax.</summary>
[Seq2SeqModel(VocabSize = 273, Dim = 64, EncoderLayers = 1, DecoderLayers = 1, ContextLength = 128, DecoderStartTokenId = 256, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 176)]
[CrossAttention(Kind = CrossAttentionKind.Softmax, Heads = 1)]
[SoftmaxAttention(Heads = 1, Bidirectional = true, Stack = ModelStack.Encoder)]
[SoftmaxAttention(Heads = 1, Stack = ModelStack.Decoder)]
public partial class Seq2SeqDraft;
