using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Where an encoder's blocks normalise: config.json "norm_placement", written only when post.</summary>
public enum NormPlacement
{
    /// <summary>
    /// Before each sublayer, h = x + f(norm(x)), with a final norm after the stack (LLaMA, T5, GPT-2); the default.
    /// </summary>
    [JsonStringEnumMemberName("pre")]
    Pre = 0,

    /// <summary>
    /// After each residual sum, h = norm(x + f(x)), with the embeddings normalised (embed_norm) and no final norm
    /// (BERT). Encoders only.
    /// </summary>
    [JsonStringEnumMemberName("post")]
    Post = 1,
}
