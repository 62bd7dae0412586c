using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// The header of a safetensors file (8-byte little-endian header length, a JSON object of
/// name -> {dtype, shape, data_offsets}, then the tensor bytes), read and checked against the file's size before
/// any tensor is read: a truncated or corrupt file then fails with a message that names it, instead of loading
/// zeros where bytes are missing.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The format's own limit on the header (100 MB); a larger length means a corrupt or foreign file.</summary>
    const long MaxHeaderBytes = 100_000_000;

    static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    SafetensorsHeader(IReadOnlyList<SafetensorsEntry> entries) => Entries = entries;

    /// <summary>Every tensor in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The floating-point type of the first floating-point entry, or null when there is none.</summary>
    public static ScalarType? FirstFloatType(IEnumerable<SafetensorsEntry> entries)
    {
        foreach (var entry in entries)
        {
            ScalarType? type = entry.Dtype switch
            {
                "F64" => ScalarType.Float64,
                "F32" => ScalarType.Float32,
                "F16" => ScalarType.Float16,
                "BF16" => ScalarType.BFloat16,
                _ => null,
            };
            if (type is not null) return type;
        }
        return null;
    }

    /// <summary>Reads and checks the header of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, has trailing bytes, or its header is corrupt.</exception>
    public static SafetensorsHeader Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint weights '{path}' do not exist.", path);
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Corrupt(path, $"it holds {fileLength} bytes, fewer than the 8-byte header length that starts a safetensors file; it is truncated or not a safetensors file");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw Corrupt(path, $"its header claims {headerLength} bytes but only {fileLength - 8} follow; it is truncated or not a safetensors file");
        if (headerLength > MaxHeaderBytes)
            throw Corrupt(path, $"its header claims {headerLength} bytes, more than the format allows; it is not a safetensors file");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var entries = ParseEntries(path, json);
        long dataLength = fileLength - 8 - (long)headerLength;
        long needed = CheckTiling(path, entries);
        if (needed > dataLength)
            throw Corrupt(path, $"it is truncated: its tensors need {needed} bytes after the header, but the file holds only {dataLength}. Save the checkpoint again or copy the complete file");
        if (needed < dataLength)
            throw Corrupt(path, $"it has {dataLength - needed} unexpected bytes after the tensor data");
        return new SafetensorsHeader(entries);
    }

    /// <summary>Tensors must tile the data buffer from byte 0 without gaps or overlaps (as the format requires); returns its length.</summary>
    static long CheckTiling(string path, List<SafetensorsEntry> entries)
    {
        long end = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != end)
                throw Corrupt(path, entry.Begin > end
                    ? $"its header leaves bytes {end}..{entry.Begin - 1} of the data unused before tensor '{entry.Name}'"
                    : $"tensor '{entry.Name}' overlaps the tensor before it in the data");
            end = entry.End;
        }
        return end;
    }

    static List<SafetensorsEntry> ParseEntries(string path, byte[] json)
    {
        // The format's header is UTF-8 JSON; the JSON reader would only notice bad bytes when a name is read.
        if (!System.Text.Unicode.Utf8.IsValid(json)) throw Corrupt(path, "its header is not valid UTF-8 text; it is corrupt or not a safetensors file");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"Checkpoint weights '{path}' have a corrupt header (not JSON: {error.Message}).", error);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, "its header is not a JSON object");
            var entries = new List<SafetensorsEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__") continue;
                if (!names.Add(property.Name)) throw Corrupt(path, $"its header lists tensor '{property.Name}' twice");
                entries.Add(ParseEntry(path, property.Name, property.Value));
            }
            return entries;
        }
    }

    static SafetensorsEntry ParseEntry(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Corrupt(path, $"the header entry of tensor '{name}' lacks a dtype, a shape or two data_offsets");
        string type = dtype.GetString()!;
        if (!ElementSizes.TryGetValue(type, out int elementSize))
            throw Corrupt(path, $"tensor '{name}' has dtype '{type}', which this reader does not know");
        var dimensions = new long[shape.GetArrayLength()];
        int i = 0;
        foreach (var dimension in shape.EnumerateArray())
        {
            if (!dimension.TryGetInt64(out long size) || size < 0) throw Corrupt(path, $"tensor '{name}' has an invalid shape {shape}");
            dimensions[i++] = size;
        }
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Corrupt(path, $"tensor '{name}' has invalid data_offsets {offsets}");
        long expected;
        try
        {
            expected = checked(dimensions.Aggregate(1L, (product, size) => checked(product * size)) * elementSize);
        }
        catch (OverflowException)
        {
            throw Corrupt(path, $"tensor '{name}' has shape {shape}, larger than any file");
        }
        if (end - begin != expected)
            throw Corrupt(path, $"tensor '{name}' ({type} [{string.Join(", ", dimensions)}]) needs {expected} bytes, but its data_offsets span {end - begin}");
        return new SafetensorsEntry(name, type, dimensions, begin, end);
    }

    static InvalidDataException Corrupt(string path, string what) => new($"Checkpoint weights '{path}' cannot be read: {what}.");
}

/// <summary>One tensor of a safetensors header.</summary>
/// <param name="Name">Key of the tensor.</param>
/// <param name="Dtype">safetensors dtype name (F32, F64, ...).</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Begin">First byte, relative to the end of the header.</param>
/// <param name="End">One past the last byte.</param>
internal sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Begin, long End);
