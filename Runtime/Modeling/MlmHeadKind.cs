using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>An encoder's masked-language-model head: config.json "mlm_head", written only when not linear.</summary>
public enum MlmHeadKind
{
    /// <summary>The vocabulary projection alone (mlm_head, or the token embedding when tied); the default.</summary>
    [JsonStringEnumMemberName("linear")]
    Linear = 0,

    /// <summary>
    /// BERT's head: a dense layer with a bias, the exact GELU and a layer norm (mlm_transform.*), then the vocabulary
    /// projection and a vocabulary bias (mlm_bias).
    /// </summary>
    [JsonStringEnumMemberName("transform")]
    Transform = 1,

    /// <summary>
    /// No head: the encoder only embeds (a Hugging Face BertModel, as sentence-embedding models are saved).
    /// <see cref="EncoderModel.MaskedLogits"/> refuses.
    /// </summary>
    [JsonStringEnumMemberName("none")]
    None = 2,
}
