using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>Which checkpoints llama.cpp's "llama" architecture describes exactly; anything else is refused before a weight is read.</summary>
internal static class GgufSupport
{
    const string Supported = "export-gguf takes LLaMA-style softmax checkpoints (RMS norm, rotary positions, SwiGLU, causal softmax attention without bias, the same heads in every layer, a byte vocabulary of 256 or 257)";

    /// <summary>The first setting of <paramref name="config"/> that the llama architecture cannot express, or null when it is supported.</summary>
    public static string? Problem(ModelConfig config)
    {
        if (config.Norm != NormKind.RmsNorm) return $"norm {config.Norm} is not supported";
        if (config.Positions != PositionKind.Rotary) return $"positions {config.Positions} is not supported";
        if (config.Mlp != MlpKind.SwiGlu) return $"mlp {config.Mlp} is not supported";
        if (config.AttentionBias) return "attention_bias true is not supported";
        if (config.VocabSize is not (ByteTokenizer.ByteIdCount or ByteTokenizer.ByteIdCount + 1))
            return $"vocab_size {config.VocabSize} is not supported (only the byte vocabularies, 256 or 257 with end-of-text)";
        for (int layer = 0; layer < config.Layers; layer++)
        {
            var mixer = config.MixerFor(layer);
            if (mixer.Kind != MixerKind.Softmax) return $"layer {layer} uses the {mixer.Kind} mixer, not softmax attention";
            if (mixer.Bidirectional) return $"layer {layer} is bidirectional softmax attention (no causal mask)";
            if (mixer.Heads != config.Mixer.Heads || mixer.KvHeads != config.Mixer.KvHeads)
                return $"layer {layer} has {mixer.Heads} heads and {mixer.KvHeads} kv heads, unlike layer 0";
        }
        return null;
    }

    /// <summary>Throws one line naming the unsupported setting.</summary>
    public static void ThrowIfUnsupported(ModelConfig config, string directory)
    {
        string? problem = Problem(config);
        if (problem is not null) throw new NotSupportedException($"cannot export '{directory}' to GGUF: {problem}; {Supported}.");
    }
}
