using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// What a <see cref="ModelConfig"/> costs before it is built: its weight count (computed in double, so that no size
/// overflows) and the bytes they take. A config whose weights alone would not fit in this machine's memory is
/// refused with one message giving the bytes it needs, instead of failing deep inside libtorch or swapping.
/// </summary>
public static class ModelMemory
{
    /// <summary>
    /// The number of weights of the config's model, counting only the matrices every checkpoint of it stores
    /// (embeddings, projections, MLP, the output head when untied, a learned position table, conv kernels, and for a
    /// seq2seq model its encoder stack and cross-attention): a lower bound on its parameters and on the elements a
    /// weights file for it must hold.
    /// </summary>
    public static double WeightCount(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        double width = config.Width, vocab = config.VocabSize;
        double count = vocab * width * (config.TieEmbeddings ? 1 : 2);
        if (config.Positions == PositionKind.Learned) count += (double)config.ContextLength * width;
        double mlp = Mlp.Matrices(config.Mlp) * width * config.MlpHidden;
        // A seq2seq decoder block also holds its cross-attention's four projections.
        double cross = config.CrossAttention is { Heads: > 0 } c ? CrossAttentionWeights(c, width) : 0;
        count += StackWeights(config.Layers, config.Mixer, config.LayerMixers, width, mlp + cross);
        if (config.Encoder is { } encoder) count += StackWeights(encoder.Layers, encoder.Mixer, encoder.LayerMixers, width, mlp);
        if (config.MedusaHeads is { } heads) count += (double)heads.Count * heads.Layers * (width * width + width);
        return count;
    }

    /// <summary>The weights of one stack's blocks: mixer projections plus <paramref name="perBlock"/> each.</summary>
    static double StackWeights(int layers, MixerSpec? mixer, IReadOnlyDictionary<int, MixerSpec>? overrides, double width, double perBlock)
    {
        overrides ??= new Dictionary<int, MixerSpec>();
        // Layers without an override share one cost: multiplied, never looped (layers may be a million).
        int overridden = overrides.Keys.Count(layer => layer >= 0 && layer < layers);
        double count = mixer is null ? 0 : (double)(layers - overridden) * (LayerWeights(mixer, width) + perBlock);
        foreach (var (layer, spec) in overrides)
        {
            if (layer >= 0 && layer < layers && spec is not null) count += LayerWeights(spec, width) + perBlock;
        }
        return count;
    }

    static double CrossAttentionWeights(CrossAttentionSpec spec, double width)
    {
        double headDim = width / spec.Heads;
        return 2 * spec.Heads * headDim * width + 2 * spec.KvHeads * headDim * width;
    }

    /// <summary>Bytes of <see cref="WeightCount"/> weights of <paramref name="dtype"/>.</summary>
    public static double WeightBytes(ModelConfig config, ScalarType dtype) => WeightCount(config) * ElementSize(dtype);

    /// <summary>The memory a model may take: what the runtime reports as available (physical memory or the container's limit).</summary>
    public static long AvailableBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Throws when the weights of <paramref name="config"/>'s model would not fit in <see cref="AvailableBytes"/>.</summary>
    /// <param name="config">A valid config.</param>
    /// <param name="dtype">Element type the model would be built with.</param>
    /// <param name="source">Names the config in the message (a file path, say).</param>
    /// <exception cref="ModelTooLargeException">The weights need more memory than is available.</exception>
    public static void EnsureFits(ModelConfig config, ScalarType dtype, string source = "The model config")
    {
        double needed = WeightBytes(config, dtype);
        long available = AvailableBytes();
        if (needed > available) throw new ModelTooLargeException(source, config, needed, available);
    }

    /// <summary>A byte count in binary units for messages: "512 B", "3.5 MiB", "1.2 TiB".</summary>
    public static string Format(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return unit == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes:F0} B") : string.Create(CultureInfo.InvariantCulture, $"{bytes:F1} {units[unit]}");
    }

    static double LayerWeights(MixerSpec spec, double width)
    {
        double headDim = spec.Heads > 0 ? width / spec.Heads : width;
        double query = spec.Heads * headDim, keyValue = spec.KvHeads * headDim;
        double count = (query + 2 * keyValue) * width + query * width;
        if (spec.Kind == MixerKind.AugmentedLinear && spec.Augmented is { Conv: true } augmented)
            count += (double)spec.KvHeads * augmented.ConvTaps;
        return count;
    }

    static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => 4,
    };
}

/// <summary>A model config whose weights would not fit in memory; the message gives the bytes needed and available.</summary>
public sealed class ModelTooLargeException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="config"/>, named by <paramref name="source"/>.</summary>
    public ModelTooLargeException(string source, ModelConfig config, double neededBytes, long availableBytes)
        : base($"{source} describes a model whose weights alone need {ModelMemory.Format(neededBytes)} of memory " +
            $"(vocab_size {config.VocabSize}, width {config.Width}, layers {config.Layers}, mlp_hidden {config.MlpHidden}{ConvTaps(config)}), " +
            $"more than the {ModelMemory.Format(availableBytes)} this machine has; check those sizes and the mixer's.")
    {
        NeededBytes = neededBytes;
        AvailableBytes = availableBytes;
    }

    /// <summary>", conv_taps N" with the largest conv of the config's mixers, when one has a conv.</summary>
    static string ConvTaps(ModelConfig config)
    {
        var taps = new[] { config.Mixer }.Concat(config.LayerMixers?.Values ?? []).Where(m => m?.Augmented is { Conv: true }).Select(m => m!.Augmented!.ConvTaps).ToList();
        return taps.Count == 0 ? "" : $", conv_taps {taps.Max()}";
    }

    /// <summary>Bytes the weights would take.</summary>
    public double NeededBytes { get; }

    /// <summary>Bytes available to the process.</summary>
    public long AvailableBytes { get; }
}
