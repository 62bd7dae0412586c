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

/// <summary>How an encoder pools its hidden states into one embedding (config.json "pooling").</summary>
public enum PoolingKind
{
    /// <summary>The mean over the non-padded tokens.</summary>
    [JsonStringEnumMemberName("mean")]
    Mean = 0,

    /// <summary>The first token's hidden state (a [CLS]-style token).</summary>
    [JsonStringEnumMemberName("first")]
    First = 1,
}

/// <summary>How a seq2seq decoder reads the encoder's output (config.json "cross_attention.kind").</summary>
public enum CrossAttentionKind
{
    /// <summary>Softmax attention over the encoder's keys and values (computed once per source).</summary>
    [JsonStringEnumMemberName("softmax")]
    Softmax = 0,

    /// <summary>
    /// Linear attention: the encoder's sum of phi(k) v^T and sum of phi(k), computed once per source, are the whole
    /// per-layer state, so a decoder step costs the same whatever the source length.
    /// </summary>
    [JsonStringEnumMemberName("linear")]
    Linear = 1,
}
