namespace LinearDsl.Runtime.Training;

/// <summary>Which projections of a model get low-rank adapters.</summary>
[Flags]
public enum LoraTargets
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>The fused q/k/v projection of every layer.</summary>
    Qkv = 1,

    /// <summary>The attention output projection of every layer.</summary>
    Output = 2,

    /// <summary>The MLP's input projections: SwiGLU's gate and up, or GELU's fc.</summary>
    MlpIn = 4,

    /// <summary>The MLP's output projection: SwiGLU's down, or GELU's proj.</summary>
    MlpOut = 8,

    /// <summary>The output head (only when it is not tied to the token embedding).</summary>
    Head = 16,

    /// <summary>Both attention projections.</summary>
    Attention = Qkv | Output,

    /// <summary>Every projection of every layer (not the head).</summary>
    AllLayers = Attention | MlpIn | MlpOut,
}
