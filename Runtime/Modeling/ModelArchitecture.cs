using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>What a <see cref="ModelConfig"/> describes: config.json "architecture", written only when not a causal LM.</summary>
public enum ModelArchitecture
{
    /// <summary>A decoder-only causal language model (<see cref="CausalLanguageModel"/>); the default.</summary>
    [JsonStringEnumMemberName("causal_lm")]
    CausalLM = 0,

    /// <summary>An encoder (<see cref="EncoderModel"/>): bidirectional where its mixers are, with a masked-LM head and a pooled embedding.</summary>
    [JsonStringEnumMemberName("encoder")]
    Encoder = 1,

    /// <summary>An encoder-decoder (<see cref="Seq2SeqModel"/>): an encoder stack, and a causal decoder stack with cross-attention.</summary>
    [JsonStringEnumMemberName("seq2seq")]
    Seq2Seq = 2,
}

// Pooling is LinearDsl.Pooling (Abstractions), shared with [EncoderModel] for the same reason (config.json: "mean" or
// "first").
// CrossAttentionKind is LinearDsl.CrossAttentionKind (Abstractions), shared with [CrossAttention] as LinearFeatureMap is:
// one type, so code in any LinearDsl.* namespace names it without ambiguity (config.json: "softmax" or "linear").
// NormPlacement and MlmHeadKind are LinearDsl.NormPlacement and LinearDsl.MlmHeadKind (Abstractions), shared with
// [EncoderModel] the same way (config.json: "pre" or "post"; "linear", "transform" or "none").
