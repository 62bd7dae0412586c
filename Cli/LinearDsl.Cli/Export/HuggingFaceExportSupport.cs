using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli.Export;

/// <summary>Which checkpoints a Hugging Face LLaMA or GPT-2 folder describes exactly; the rest are refused before a weight is read.</summary>
internal static class HuggingFaceExportSupport
{
    const string Supported = "only softmax LLaMA-style (RMS norm, rotary positions, SwiGLU) or GPT-2-style (layer norm, learned positions, GELU) models can be exported, with the same causal softmax heads in every layer";

    /// <summary>The architecture of <paramref name="config"/>, or the first setting that neither LLaMA nor GPT-2 can express.</summary>
    public static (HuggingFaceArchitecture? Architecture, string? Problem) Classify(ModelConfig config)
    {
        for (int layer = 0; layer < config.Layers; layer++)
        {
            var mixer = config.MixerFor(layer);
            if (mixer.Kind != MixerKind.Softmax) return (null, $"layer {layer} uses the {mixer.Kind} mixer, not softmax attention");
            if (mixer.Bidirectional) return (null, $"layer {layer} is bidirectional softmax attention (no causal mask)");
            if (mixer.Heads != config.Mixer.Heads || mixer.KvHeads != config.Mixer.KvHeads)
                return (null, $"layer {layer} has {mixer.Heads} heads and {mixer.KvHeads} kv heads, unlike the others");
        }
        if (config is { Norm: NormKind.RmsNorm, Positions: PositionKind.Rotary, Mlp: MlpKind.SwiGlu })
            return (HuggingFaceArchitecture.Llama, null);
        if (config is { Norm: NormKind.LayerNorm, Positions: PositionKind.Learned, Mlp: MlpKind.Gelu })
        {
            if (config.Mixer.KvHeads != config.Mixer.Heads)
                return (null, $"GPT-2 has no grouped-query attention, but the model has {config.Mixer.Heads} heads and {config.Mixer.KvHeads} kv heads");
            return (HuggingFaceArchitecture.Gpt2, null);
        }
        return (null, $"norm {config.Norm}, positions {config.Positions} and mlp {config.Mlp} are neither the LLaMA nor the GPT-2 combination");
    }

    /// <summary>The architecture, or one line naming the unsupported setting.</summary>
    public static HuggingFaceArchitecture ArchitectureOrThrow(ModelConfig config, string directory)
    {
        var (architecture, problem) = Classify(config);
        if (architecture is { } found) return found;
        throw new NotSupportedException($"cannot export '{directory}' to a Hugging Face folder: {problem}; {Supported}.");
    }
}
