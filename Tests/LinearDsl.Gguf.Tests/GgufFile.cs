using System.Text;

namespace LinearDsl.Gguf.Tests;

/// <summary>
/// A minimal GGUF v3 reader written from the format description, independent of the exporter's writer: header,
/// metadata (scalars, strings, arrays), tensor infos and the start of the data section.
/// </summary>
public sealed class GgufFile
{
    public required uint Version { get; init; }

    public required Dictionary<string, object> Metadata { get; init; }

    public required List<string> MetadataOrder { get; init; }

    public required List<TensorInfo> Tensors { get; init; }

    public required long DataStart { get; init; }

    public required byte[] Bytes { get; init; }

    public sealed record TensorInfo(string Name, long[] Dimensions, uint Type, ulong Offset)
    {
        public long Elements => Dimensions.Aggregate(1L, (a, b) => a * b);
    }

    public TensorInfo Tensor(string name) => Tensors.Single(t => t.Name == name);

    /// <summary>The float32 values of an F32 tensor, innermost dimension fastest.</summary>
    public float[] Float32(string name)
    {
        var info = Tensor(name);
        info.Type.Should().Be(0u, $"{name} should be F32");
        var values = new float[info.Elements];
        Buffer.BlockCopy(Bytes, checked((int)(DataStart + (long)info.Offset)), values, 0, values.Length * 4);
        return values;
    }

    /// <summary>The raw bytes of a tensor of <paramref name="length"/> bytes.</summary>
    public ReadOnlySpan<byte> Raw(string name, long length) => Bytes.AsSpan(checked((int)(DataStart + (long)Tensor(name).Offset)), checked((int)length));

    public static GgufFile Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        Encoding.ASCII.GetString(reader.ReadBytes(4)).Should().Be("GGUF");
        uint version = reader.ReadUInt32();
        ulong tensorCount = reader.ReadUInt64(), kvCount = reader.ReadUInt64();
        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        var order = new List<string>();
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = ReadString(reader);
            metadata.Add(key, ReadValue(reader, reader.ReadUInt32()));
            order.Add(key);
        }
        var tensors = new List<TensorInfo>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = ReadString(reader);
            uint dims = reader.ReadUInt32();
            var dimensions = new long[dims];
            for (int d = 0; d < dims; d++) dimensions[d] = (long)reader.ReadUInt64();
            tensors.Add(new TensorInfo(name, dimensions, reader.ReadUInt32(), reader.ReadUInt64()));
        }
        long alignment = metadata.TryGetValue("general.alignment", out var a) ? (uint)a : 32;
        long dataStart = (reader.BaseStream.Position + alignment - 1) / alignment * alignment;
        return new GgufFile { Version = version, Metadata = metadata, MetadataOrder = order, Tensors = tensors, DataStart = dataStart, Bytes = bytes };
    }

    static string ReadString(BinaryReader reader) => Encoding.UTF8.GetString(reader.ReadBytes(checked((int)reader.ReadUInt64())));

    static object ReadValue(BinaryReader reader, uint type) => type switch
    {
        0 => reader.ReadByte(),
        1 => reader.ReadSByte(),
        2 => reader.ReadUInt16(),
        3 => reader.ReadInt16(),
        4 => reader.ReadUInt32(),
        5 => reader.ReadInt32(),
        6 => reader.ReadSingle(),
        7 => reader.ReadByte() switch { 0 => false, 1 => true, var b => throw new InvalidDataException($"bool byte {b}") },
        8 => ReadString(reader),
        9 => ReadArray(reader),
        10 => reader.ReadUInt64(),
        11 => reader.ReadInt64(),
        12 => reader.ReadDouble(),
        _ => throw new InvalidDataException($"unknown GGUF value type {type}"),
    };

    static object[] ReadArray(BinaryReader reader)
    {
        uint elementType = reader.ReadUInt32();
        ulong count = reader.ReadUInt64();
        var values = new object[count];
        for (ulong i = 0; i < count; i++) values[i] = ReadValue(reader, elementType);
        return values;
    }
}
