using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.HuggingFace;

namespace LinearDsl.Runtime.Tests.Checkpoints;

/// <summary>
/// Seeded fuzzing of the checkpoint readers: the safetensors header and weights, LinearDsl's config.json and a Hugging
/// Face config.json, each mutated by truncation, bit flips, header lengths past the end, overlapping offsets, huge
/// shapes, foreign dtypes and non-UTF-8 bytes. A reader may only refuse with the project's own clear exceptions, and
/// never allocates (on the managed heap) more than a small multiple of the file it reads.
/// </summary>
public sealed class ReaderFuzzTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("lineardsl-fuzz-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    static readonly ModelConfig Tiny = new()
    {
        VocabSize = 16, Width = 8, Layers = 1, ContextLength = 16, MlpHidden = 8,
        Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 2 }),
    };

    /// <summary>The exceptions a reader may throw at a corrupt file: each says what is wrong in its message.</summary>
    static bool IsClear(Exception error) => error is InvalidDataException or CheckpointMismatchException or ModelTooLargeException or InvalidModelConfigException;

    [Fact]
    public void Mutated_safetensors_files_are_read_or_refused_clearly()
    {
        string directory = Path.Combine(_root, "checkpoint");
        using (var model = ModelFactory.Create(Tiny, seed: 1)) Checkpoint.Save(model, directory);
        string weights = Path.Combine(directory, Checkpoint.WeightsFileName);
        byte[] original = File.ReadAllBytes(weights);
        var random = new Random(20261206);
        int loaded = 0, refused = 0;
        for (int i = 0; i < 3000; i++)
        {
            var (kind, bytes) = MutateSafetensors(original, random);
            File.WriteAllBytes(weights, bytes);
            // Parsing the header must refuse cleanly; a header that passes is loaded in full for one case in eight.
            bool full = i % 8 == 0;
            var outcome = Run(() =>
            {
                _ = SafetensorsHeader.Read(weights);
                if (full) Checkpoint.Load(directory).Dispose();
            }, bytes.Length + 4096, $"safetensors case {i} ({kind})");
            if (outcome) loaded++;
            else refused++;
        }
        refused.Should().BeGreaterThan(1000, "most mutations corrupt the file");
        loaded.Should().BeGreaterThan(10, "some mutations (bits in tensor data) leave a readable file");
    }

    [Fact]
    public void Mutated_model_configs_are_read_or_refused_clearly()
    {
        string original = ModelConfigJson.Serialize(Tiny);
        var random = new Random(7);
        for (int i = 0; i < 3000; i++)
        {
            var (kind, text) = MutateJson(original, random);
            Run(() => ModelConfigJson.Deserialize(text, "config.json"), Encoding.UTF8.GetByteCount(text), $"config case {i} ({kind})");
        }
    }

    [Fact]
    public void Mutated_hugging_face_configs_are_read_or_refused_clearly()
    {
        string original = new JsonObject(HfFolders.LlamaConfig().Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : JsonValue.Create(p.Value) as JsonNode
            ?? JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(p.Value))))).ToJsonString();
        var random = new Random(11);
        for (int i = 0; i < 3000; i++)
        {
            var (kind, text) = MutateJson(original, random);
            Run(() => HuggingFaceConfig.Parse(text), Encoding.UTF8.GetByteCount(text), $"Hugging Face config case {i} ({kind})");
        }
    }

    /// <summary>Runs one case; true when it read the input, false when it refused it clearly. Anything else fails the test.</summary>
    static bool Run(Action read, long inputBytes, string what)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok;
        try
        {
            read();
            ok = true;
        }
        catch (Exception error) when (IsClear(error))
        {
            error.Message.Should().NotBeNullOrWhiteSpace(what);
            ok = false;
        }
        catch (Exception error)
        {
            throw new Xunit.Sdk.XunitException($"{what}: unexpected {error.GetType().Name}: {error.Message}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().BeLessThan(64 * inputBytes + (4 << 20), $"{what} must not allocate far more than its input implies");
        return ok;
    }

    static (string Kind, byte[] Bytes) MutateSafetensors(byte[] original, Random random)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var bytes = (byte[])original.Clone();
        switch (random.Next(8))
        {
            case 0:
                return ("truncation", bytes[..random.Next(bytes.Length)]);
            case 1:
                for (int flips = random.Next(1, 9); flips > 0; flips--)
                {
                    // Half the flips land in the length and the header, where they change the structure.
                    int at = random.Next(2) == 0 ? random.Next(8 + headerLength) : random.Next(bytes.Length);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }
                return ("bit flips", bytes);
            case 2:
                ulong length = random.Next(3) switch
                {
                    0 => (ulong)bytes.Length + (ulong)random.Next(1, 1000),
                    1 => ulong.MaxValue - (ulong)random.Next(100),
                    _ => (ulong)random.NextInt64(long.MaxValue),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
                return ("header length past the end", bytes);
            case 3:
                return ("overlapping offsets", WithHeader(original, headerLength, header =>
                {
                    var entry = RandomEntry(header, random);
                    var offsets = entry["data_offsets"]!.AsArray();
                    long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
                    long shift = random.Next(1, 64) * (random.Next(2) == 0 ? -1 : 1);
                    entry["data_offsets"] = new JsonArray(Math.Max(0, begin + shift), Math.Max(0, end + shift));
                }));
            case 4:
                return ("huge shape", WithHeader(original, headerLength, header =>
                {
                    var entry = RandomEntry(header, random);
                    long size = random.Next(3) switch { 0 => 1L << 40, 1 => long.MaxValue, _ => (long)int.MaxValue * 3 };
                    entry["shape"] = new JsonArray(size, random.Next(2) == 0 ? size : 2);
                    if (random.Next(2) == 0) entry["data_offsets"] = new JsonArray(0, size);
                }));
            case 5:
                return ("foreign dtype", WithHeader(original, headerLength, header =>
                    RandomEntry(header, random)["dtype"] = new[] { "I32", "U8", "BOOL", "F8_E4M3", "C64", "", "F32\u0000" }[random.Next(7)]));
            case 6:
                // Non-UTF-8 bytes inside the header's JSON text.
                int position = 8 + 1 + random.Next(headerLength - 2);
                bytes[position] = (byte)(0xF8 + random.Next(8));
                if (random.Next(2) == 0) bytes[position + 1] = 0xC0;
                return ("non-UTF-8 header", bytes);
            default:
                return ("data bit flip", FlipData(bytes, headerLength, random));
        }
    }

    static byte[] FlipData(byte[] bytes, int headerLength, Random random)
    {
        int at = 8 + headerLength + random.Next(bytes.Length - 8 - headerLength);
        bytes[at] ^= (byte)(1 << random.Next(8));
        return bytes;
    }

    static JsonObject RandomEntry(JsonObject header, Random random)
    {
        var tensors = header.Where(p => p.Key != "__metadata__").ToList();
        return tensors[random.Next(tensors.Count)].Value!.AsObject();
    }

    /// <summary>The file with its header JSON changed by <paramref name="edit"/> and its length field updated.</summary>
    static byte[] WithHeader(byte[] original, int headerLength, Action<JsonObject> edit)
    {
        var header = JsonNode.Parse(original.AsSpan(8, headerLength))!.AsObject();
        edit(header);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var bytes = new byte[8 + json.Length + original.Length - 8 - headerLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        original.AsSpan(8 + headerLength).CopyTo(bytes.AsSpan(8 + json.Length));
        return bytes;
    }

    static (string Kind, string Text) MutateJson(string original, Random random)
    {
        switch (random.Next(5))
        {
            case 0:
                return ("truncation", original[..random.Next(original.Length)]);
            case 1:
                var bytes = Encoding.UTF8.GetBytes(original);
                for (int flips = random.Next(1, 6); flips > 0; flips--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return ("bit flips", Encoding.UTF8.GetString(bytes));
            case 2:
                return ("non-UTF-8", Encoding.Latin1.GetString([0xFF, 0xFE, .. Encoding.UTF8.GetBytes(original)]));
            default:
                var root = JsonNode.Parse(original)!.AsObject();
                var leaves = Leaves(root).ToList();
                var (parent, key) = leaves[random.Next(leaves.Count)];
                parent[key] = random.Next(9) switch
                {
                    0 => JsonValue.Create(2_000_000_000),
                    1 => JsonValue.Create(-1),
                    2 => JsonValue.Create(0),
                    3 => JsonValue.Create(1e300),
                    4 => JsonValue.Create(long.MaxValue),
                    5 => JsonValue.Create("abc"),
                    6 => null,
                    7 => new JsonArray(1, 2),
                    _ => JsonValue.Create(int.MaxValue),
                };
                return ("value replaced", root.ToJsonString());
        }
    }

    static IEnumerable<(JsonObject Parent, string Key)> Leaves(JsonObject node)
    {
        foreach (var (key, value) in node.ToList())
        {
            if (value is JsonObject inner)
            {
                yield return (node, key);
                foreach (var leaf in Leaves(inner)) yield return leaf;
            }
            else
            {
                yield return (node, key);
            }
        }
    }
}
