using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>
/// Exports a LLaMA-style softmax checkpoint to a GGUF file for llama.cpp and Ollama (architecture "llama", byte
/// vocabulary as a byte-level BPE vocabulary without merges). The query and key projections are reordered for
/// llama.cpp's rotary layout; tied embeddings are written once, as token_embd.weight, which llama.cpp reuses as the
/// output head.
/// </summary>
public static class GgufExport
{
    /// <summary>general.file_type values of llama.cpp (all float32; mostly Q8_0).</summary>
    const uint AllF32 = 0, MostlyQ8_0 = 7;

    /// <summary>
    /// Writes <paramref name="checkpointDirectory"/>'s model to <paramref name="outputPath"/> (through a temporary
    /// file, so the target is never half-written).
    /// </summary>
    /// <exception cref="NotSupportedException">The checkpoint is not a LLaMA-style softmax model; the message names the setting.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputPath"/> is one of the checkpoint's files.</exception>
    public static void Export(string checkpointDirectory, string outputPath, GgufWeightType weights = GgufWeightType.F32)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointDirectory);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        if (!Enum.IsDefined(weights)) throw new ArgumentOutOfRangeException(nameof(weights), weights, "Choose F32 or Q8_0.");
        if (!Directory.Exists(checkpointDirectory)) throw new DirectoryNotFoundException($"Checkpoint directory '{checkpointDirectory}' does not exist.");
        string output = Path.GetFullPath(outputPath);
        string directory = Path.GetFullPath(checkpointDirectory);
        string configPath = Path.Combine(directory, Checkpoint.ConfigFileName);
        string[] inputs = [directory, configPath, Path.Combine(directory, Checkpoint.WeightsFileName)];
        if (inputs.Any(input => string.Equals(Path.TrimEndingDirectorySeparator(input), Path.TrimEndingDirectorySeparator(output), StringComparison.Ordinal)))
            throw new ArgumentException($"The GGUF output '{outputPath}' is the checkpoint itself or one of its files; give another path.", nameof(outputPath));
        if (Directory.Exists(output)) throw new ArgumentException($"The GGUF output '{outputPath}' is a directory; give a file path.", nameof(outputPath));
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"'{configPath}' is missing: a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}.", configPath);

        var config = ModelConfigJson.Read(configPath);
        GgufSupport.ThrowIfUnsupported(config, checkpointDirectory);
        var writer = new GgufWriter();
        AddMetadata(writer, config, Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)), weights);
        AddTensors(writer, checkpointDirectory, config, weights);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        AtomicFile.Write(output, writer.WriteTo);
    }

    static void AddMetadata(GgufWriter writer, ModelConfig config, string name, GgufWeightType weights)
    {
        const string Arch = "llama";
        int headDim = config.Width / config.Mixer.Heads;
        writer.Add("general.architecture", GgufValue.String(Arch));
        writer.Add("general.name", GgufValue.String(name));
        writer.Add("general.file_type", GgufValue.UInt32(weights == GgufWeightType.Q8_0 ? MostlyQ8_0 : AllF32));
        writer.Add($"{Arch}.vocab_size", GgufValue.UInt32((uint)config.VocabSize));
        writer.Add($"{Arch}.context_length", GgufValue.UInt32((uint)config.ContextLength));
        writer.Add($"{Arch}.embedding_length", GgufValue.UInt32((uint)config.Width));
        writer.Add($"{Arch}.block_count", GgufValue.UInt32((uint)config.Layers));
        writer.Add($"{Arch}.feed_forward_length", GgufValue.UInt32((uint)config.MlpHidden));
        writer.Add($"{Arch}.attention.head_count", GgufValue.UInt32((uint)config.Mixer.Heads));
        writer.Add($"{Arch}.attention.head_count_kv", GgufValue.UInt32((uint)config.Mixer.KvHeads));
        writer.Add($"{Arch}.attention.layer_norm_rms_epsilon", GgufValue.Float32((float)config.NormEps));
        writer.Add($"{Arch}.rope.freq_base", GgufValue.Float32((float)config.RopeTheta));
        writer.Add($"{Arch}.rope.dimension_count", GgufValue.UInt32((uint)headDim));
        GgufByteVocabulary.AddTo(writer, config.VocabSize);
    }

    static void AddTensors(GgufWriter writer, string checkpointDirectory, ModelConfig config, GgufWeightType weights)
    {
        using var model = Checkpoint.Load(checkpointDirectory, ScalarType.Float32);
        using var scope = NewDisposeScope();
        foreach (var (key, tensor) in CheckpointKeyMap.For(model).ToCheckpoint(model))
        {
            string name = GgufLlamaTensors.Name(key)
                ?? throw new NotSupportedException($"cannot export '{checkpointDirectory}' to GGUF: tensor '{key}' has no place in llama.cpp's llama architecture.");
            long[] shape = tensor.shape;
            // One tensor's float32 bytes must fit a .NET array.
            if (tensor.numel() > Array.MaxLength / sizeof(float))
                throw new NotSupportedException($"cannot export '{checkpointDirectory}' to GGUF: tensor '{key}' has {tensor.numel()} values, more than this exporter handles in one piece.");
            float[] values = tensor.data<float>().ToArray();
            if (GgufLlamaTensors.RotatedHeads(key, config.Mixer.Heads, config.Mixer.KvHeads) is int heads)
                values = GgufLlamaTensors.PermuteForRotary(values, shape[0], shape[1], heads);
            bool quantize = weights == GgufWeightType.Q8_0 && shape.Length == 2 && shape[^1] % GgufQ8_0.BlockSize == 0;
            writer.Add(quantize ? GgufTensor.Q8_0(name, shape, values) : GgufTensor.Float32(name, shape, values));
        }
    }
}
