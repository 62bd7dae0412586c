namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>The Hugging Face model families that can be imported (config.json <c>model_type</c>).</summary>
public enum HuggingFaceArchitecture
{
    /// <summary><c>llama</c>: RMSNorm, rotary positions (rotate-half layout), SwiGLU MLP, optional GQA, no biases.</summary>
    Llama,

    /// <summary><c>gpt2</c>: LayerNorm, learned positions, GELU (tanh) MLP, biases everywhere, Conv1D weights [in, out].</summary>
    Gpt2,
}
