using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>How a model encodes token positions.</summary>
public enum PositionKind
{
    /// <summary>Rotary embedding of queries and keys by absolute position inside every mixer (LLaMA).</summary>
    [JsonStringEnumMemberName("rotary")]
    Rotary,

    /// <summary>A learned table of absolute positions added to the token embedding (GPT-2); limits sequences to the context length.</summary>
    [JsonStringEnumMemberName("learned")]
    Learned,

    /// <summary>No positional encoding (the causal mixers still know order).</summary>
    [JsonStringEnumMemberName("none")]
    None,
}
