using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// model.safetensors of a model with int8 weights (<see cref="CausalLanguageModel.HasInt8Weights"/>): each quantized
/// weight keeps its key and shape but is stored as I8, and its block scales sit next to it under the key +
/// <see cref="ScaleSuffix"/> as F32 [rows, ceil(columns / 32)] (the compressed-tensors naming). Every other tensor
/// is stored as in a float checkpoint. The I8 dtype is what marks a checkpoint as quantized, so config.json, which
/// describes the architecture, is the same as the float model's.
/// </summary>
internal static class Int8Checkpoint
{
    /// <summary>Suffix of the key that holds a weight's block scales.</summary>
    public const string ScaleSuffix = "_scale";

    static readonly Dictionary<string, ScalarType> FloatTypes = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16,
    };

    /// <summary>Whether the file stores int8 weights.</summary>
    public static bool IsQuantized(IReadOnlyList<SafetensorsEntry> entries) => entries.Any(e => e.Dtype == "I8");

    /// <summary>
    /// The entries as the float checkpoint would list them (I8 weights as F32 of the same shape, scales left out),
    /// for the checks of keys and shapes; throws when a weight has no scales or scales of the wrong shape.
    /// </summary>
    public static IReadOnlyList<SafetensorsEntry> AsFloatEntries(IReadOnlyList<SafetensorsEntry> entries, string weightsPath)
    {
        var byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var result = new List<SafetensorsEntry>();
        var scales = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Dtype == "I8"))
        {
            string scaleName = entry.Name + ScaleSuffix;
            if (entry.Shape.Length != 2 || entry.Shape[1] == 0)
                throw Corrupt(weightsPath, $"int8 tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}]; int8 weights are matrices");
            long[] expected = [entry.Shape[0], (entry.Shape[1] + Int8Blocks.Size - 1) / Int8Blocks.Size];
            if (!byName.TryGetValue(scaleName, out var scale) || scale.Dtype != "F32" || !scale.Shape.SequenceEqual(expected))
                throw Corrupt(weightsPath, $"int8 tensor '{entry.Name}' needs its block scales '{scaleName}' as F32 [{expected[0]}, {expected[1]}]");
            scales.Add(scaleName);
        }
        foreach (var entry in entries)
        {
            if (scales.Contains(entry.Name)) continue;
            result.Add(entry.Dtype == "I8" ? entry with { Dtype = "F32" } : entry);
        }
        return result;
    }

    /// <summary>Writes <paramref name="model"/>'s weights with its int8 projections as I8 plus scales.</summary>
    public static void Save(CausalLanguageModel model, CheckpointKeyMap map, string weightsPath)
    {
        var int8 = model.Int8Weights ?? throw new ArgumentException("The model has no int8 weights.", nameof(model));
        // Checkpoint key -> the rows of a module weight it holds (a fused q/k/v projection is stored as three).
        var quantized = new Dictionary<string, (Int8Matrix Matrix, int First, int Rows)>(StringComparer.Ordinal);
        foreach (var (moduleKey, matrix) in int8.ByKey)
        {
            int first = 0;
            foreach (var (key, rows) in map.PartsOf(moduleKey, matrix.Outputs))
            {
                quantized[key] = (matrix, first, (int)rows);
                first += (int)rows;
            }
        }
        using var scope = NewDisposeScope();
        var records = new List<(string Name, string Dtype, long[] Shape, byte[] Data)>();
        foreach (var (key, tensor) in map.ToCheckpoint(model))
        {
            if (quantized.TryGetValue(key, out var part))
            {
                var (values, scales) = Rows(part.Matrix, part.First, part.Rows);
                records.Add((key, "I8", [part.Rows, part.Matrix.Inputs], MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
                records.Add((key + ScaleSuffix, "F32", [part.Rows, part.Matrix.Blocks], MemoryMarshal.AsBytes(scales.AsSpan()).ToArray()));
            }
            else
            {
                string dtype = FloatTypes.First(t => t.Value == tensor.dtype).Key;
                records.Add((key, dtype, tensor.shape, tensor.bytes.ToArray()));
            }
        }
        AtomicFile.Write(weightsPath, stream => Write(stream, records));
    }

    /// <summary>Fills <paramref name="model"/> from a quantized file (already checked) and gives it the stored int8 weights as they are.</summary>
    public static void LoadWeights(CausalLanguageModel model, CheckpointKeyMap map, string weightsPath, SafetensorsHeader header)
    {
        using var scope = NewDisposeScope();
        var floats = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var stored = new Dictionary<string, Int8Matrix>(StringComparer.Ordinal);
        var entries = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        using (var stream = File.OpenRead(weightsPath))
        {
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            long dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            foreach (var entry in header.Entries)
            {
                if (entry.Name.EndsWith(ScaleSuffix, StringComparison.Ordinal) && entries.TryGetValue(entry.Name[..^ScaleSuffix.Length], out var owner) && owner.Dtype == "I8")
                    continue;
                stream.Position = dataStart + entry.Begin;
                if (entry.Dtype != "I8")
                {
                    var tensor = empty(entry.Shape, FloatTypes[entry.Dtype]);
                    stream.ReadExactly(tensor.bytes);
                    floats[entry.Name] = tensor;
                    continue;
                }
                int rows = checked((int)entry.Shape[0]), columns = checked((int)entry.Shape[1]);
                var values = new sbyte[checked(rows * columns)];
                stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
                var scaleEntry = entries[entry.Name + ScaleSuffix];
                var scales = new float[checked(rows * Int8Blocks.Count(columns))];
                stream.Position = dataStart + scaleEntry.Begin;
                stream.ReadExactly(MemoryMarshal.AsBytes(scales.AsSpan()));
                var matrix = Int8Matrix.FromStored(values, scales, rows, columns);
                stored[entry.Name] = matrix;
                var dequantized = empty([rows, columns], ScalarType.Float32);
                matrix.Dequantize(TensorMemory.Span<float>(dequantized));
                floats[entry.Name] = dequantized;
            }
        }
        var tensors = map.ToModule(floats);
        using (no_grad())
        {
            foreach (var (key, target) in model.state_dict()) target.copy_(tensors[key]);
        }
        // The module weights the stored int8 parts make up, rows concatenated as ToModule concatenates the float ones.
        var matrices = new Dictionary<string, Int8Matrix>(StringComparer.Ordinal);
        var projections = Int8Weights.Projections(model);
        foreach (var (moduleKey, module) in projections)
        {
            var weight = module.weight!;
            var parts = map.PartsOf(moduleKey, weight.shape[0]);
            var found = parts.Where(p => stored.ContainsKey(p.Key)).ToList();
            if (found.Count == 0) continue;
            if (found.Count != parts.Count)
                throw Corrupt(weightsPath, $"'{moduleKey}' is stored partly as int8 and partly as float");
            int columns = (int)weight.shape[1];
            var values = new List<sbyte>();
            var scales = new List<float>();
            foreach (var (key, _) in parts)
            {
                var matrix = stored[key];
                var (v, s) = Rows(matrix, 0, matrix.Outputs);
                values.AddRange(v);
                scales.AddRange(s);
            }
            matrices[moduleKey] = Int8Matrix.FromStored(values.ToArray(), scales.ToArray(), values.Count / columns, columns);
        }
        var notProjections = stored.Keys.Except(projections.SelectMany(p => map.PartsOf(p.Key, p.Module.weight!.shape[0]).Select(x => x.Key))).ToList();
        if (notProjections.Count > 0)
            throw Corrupt(weightsPath, $"it stores {string.Join(", ", notProjections)} as int8, but only projection weights can be int8");
        model.UseInt8Weights(matrices);
    }

    /// <summary>Rows [first, first + rows) of a matrix, unpadded, and their scales.</summary>
    static (sbyte[] Values, float[] Scales) Rows(Int8Matrix matrix, int first, int rows)
    {
        var all = new sbyte[matrix.Outputs * matrix.Inputs];
        matrix.CopyValuesTo(all);
        var values = all.AsSpan(first * matrix.Inputs, rows * matrix.Inputs).ToArray();
        var scales = matrix.Scales.AsSpan(first * matrix.Blocks, rows * matrix.Blocks).ToArray();
        return (values, scales);
    }

    internal static void Write(Stream stream, List<(string Name, string Dtype, long[] Shape, byte[] Data)> records)
    {
        var header = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt", ["quantization"] = "q8_0", ["block_size"] = "32" },
        };
        long offset = 0;
        foreach (var (name, dtype, shape, data) in records)
        {
            header[name] = new { dtype, shape, data_offsets = new[] { offset, offset + data.Length } };
            offset += data.Length;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        // The format pads the header with spaces so that the data starts 8-byte aligned.
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var record in records) stream.Write(record.Data);
    }

    static InvalidDataException Corrupt(string path, string what) => new($"Checkpoint weights '{path}' cannot be read: {what}.");
}
