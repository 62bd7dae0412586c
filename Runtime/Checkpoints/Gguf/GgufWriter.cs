using System.Buffers.Binary;
using System.Text;

namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>
/// Writes a GGUF version 3 file (the format of llama.cpp and Ollama): the magic "GGUF", the version, the tensor and
/// metadata counts, the metadata key/value pairs, the tensor infos (name, dimensions innermost first, element type,
/// offset into the data section), padding to <see cref="Alignment"/>, then every tensor's bytes, each padded to the
/// alignment. Everything is little-endian; strings are a 64-bit byte count followed by UTF-8 without a terminator.
/// </summary>
internal sealed class GgufWriter
{
    /// <summary>The format's default alignment of the data section and of each tensor (written as general.alignment).</summary>
    public const int Alignment = 32;

    /// <summary>"GGUF" read as a little-endian 32-bit integer.</summary>
    public const uint Magic = 0x46554747;

    public const uint Version = 3;

    readonly List<(string Key, GgufValue Value)> _metadata = [];
    readonly List<GgufTensor> _tensors = [];
    readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    public GgufWriter() => Add("general.alignment", GgufValue.UInt32(Alignment));

    public void Add(string key, GgufValue value)
    {
        if (!_keys.Add(key)) throw new ArgumentException($"GGUF metadata key '{key}' was added twice.", nameof(key));
        _metadata.Add((key, value));
    }

    public void Add(GgufTensor tensor)
    {
        if (!_tensorNames.Add(tensor.Name)) throw new ArgumentException($"GGUF tensor '{tensor.Name}' was added twice.", nameof(tensor));
        _tensors.Add(tensor);
    }

    public void WriteTo(Stream stream)
    {
        using var output = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        output.Write(Magic);
        output.Write(Version);
        output.Write((ulong)_tensors.Count);
        output.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(output, key);
            value.WriteTo(output);
        }
        ulong offset = 0;
        foreach (var tensor in _tensors)
        {
            WriteString(output, tensor.Name);
            output.Write((uint)tensor.Dimensions.Count);
            foreach (long dimension in tensor.Dimensions) output.Write((ulong)dimension);
            output.Write((uint)tensor.Type);
            output.Write(offset);
            offset += (ulong)Padded(tensor.Data.Length);
        }
        output.Flush();
        long written = output.BaseStream.Position;
        WritePadding(output, Padded(written) - written);
        foreach (var tensor in _tensors)
        {
            output.Write(tensor.Data);
            WritePadding(output, Padded(tensor.Data.Length) - tensor.Data.Length);
        }
        output.Flush();
    }

    internal static void WriteString(BinaryWriter output, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        output.Write((ulong)bytes.Length);
        output.Write(bytes);
    }

    static long Padded(long length) => (length + Alignment - 1) / Alignment * Alignment;

    static void WritePadding(BinaryWriter output, long count)
    {
        for (long i = 0; i < count; i++) output.Write((byte)0);
    }
}

/// <summary>A GGUF tensor: its name, its dimensions innermost (contiguous) first as ggml orders them, its type and its encoded bytes.</summary>
internal sealed record GgufTensor(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, byte[] Data)
{
    /// <summary>A float32 tensor of a row-major array with the given shape (outermost first, as PyTorch and safetensors give it).</summary>
    public static GgufTensor Float32(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values)
    {
        var data = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * sizeof(float)), values[i]);
        return new GgufTensor(name, shape.Reverse().ToArray(), GgmlType.F32, data);
    }

    /// <summary>A Q8_0 tensor of a row-major array whose rows (the last dimension) are a multiple of <see cref="GgufQ8_0.BlockSize"/> long.</summary>
    public static GgufTensor Q8_0(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values)
        => new(name, shape.Reverse().ToArray(), GgmlType.Q8_0, GgufQ8_0.Quantize(values, shape[^1]));
}

/// <summary>ggml's element types used here (the numbers are ggml's).</summary>
internal enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
}
