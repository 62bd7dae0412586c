using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Cli.Export;

/// <summary>
/// Writes a softmax checkpoint as a Hugging Face folder that transformers loads (LlamaForCausalLM or GPT2LMHeadModel):
/// config.json, model.safetensors under Hugging Face keys (the importer's key map read backwards: LLaMA q/k/v split by
/// rows, GPT-2 Conv1D weights [in, out] and its fused c_attn) and, for a byte vocabulary, tokenizer files. Each file is
/// written through a temporary name; the weights keep their stored dtype.
/// </summary>
internal static class HuggingFaceExport
{
    /// <summary>Exports <paramref name="checkpointDirectory"/> into <paramref name="outputDirectory"/>; returns the architecture and the files written.</summary>
    public static (HuggingFaceArchitecture Architecture, IReadOnlyList<string> Files) Export(string checkpointDirectory, string outputDirectory)
    {
        string configPath = Path.Combine(checkpointDirectory, Checkpoint.ConfigFileName);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"'{configPath}' is missing: a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}.", configPath);
        var config = ModelConfigJson.Read(configPath);
        var architecture = HuggingFaceExportSupport.ArchitectureOrThrow(config, checkpointDirectory);

        using var model = Checkpoint.Load(checkpointDirectory);
        using var scope = NewDisposeScope();
        var tensors = Tensors(model, architecture);
        var dtype = model.ParameterDtype;

        Directory.CreateDirectory(outputDirectory);
        var files = new List<string>();
        void Write(string name, Action<Stream> write)
        {
            AtomicFile.Write(Path.Combine(outputDirectory, name), write);
            files.Add(name);
        }
        Write("model.safetensors", stream => WriteSafetensors(stream, tensors));
        var hfConfig = HuggingFaceExportConfig.For(config, architecture, dtype);
        Write(Checkpoint.ConfigFileName, stream => stream.Write(Encoding.UTF8.GetBytes(hfConfig.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n")));
        var generation = new JsonObject { ["bos_token_id"] = hfConfig["bos_token_id"]?.DeepClone(), ["eos_token_id"] = hfConfig["eos_token_id"]?.DeepClone() };
        Write("generation_config.json", stream => stream.Write(Encoding.UTF8.GetBytes(generation.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n")));
        if (HuggingFaceTokenizerFiles.Applies(config.VocabSize))
        {
            foreach (var (name, text) in HuggingFaceTokenizerFiles.For(config.VocabSize, config.ContextLength))
                Write(name, stream => stream.Write(Encoding.UTF8.GetBytes(text)));
        }
        return (architecture, files);
    }

    /// <summary>
    /// The model's tensors under Hugging Face keys, in state-dict order: each importer source written backwards (parts
    /// split by rows, Conv1D weights transposed). A GPT-2 model without attention biases gets zero biases (GPT-2 always
    /// has them; zeros compute the same function).
    /// </summary>
    internal static List<(string Key, Tensor Value)> Tensors(CausalLanguageModel model, HuggingFaceArchitecture architecture)
    {
        var state = model.state_dict();
        // A stored key with the prefix makes the map write GPT2LMHeadModel's own names (transformer.h.0...).
        var map = HuggingFaceKeyMap.For(model, architecture, architecture == HuggingFaceArchitecture.Gpt2 ? ["transformer.wte.weight"] : []);
        var result = new List<(string, Tensor)>();
        foreach (var source in map.Sources)
        {
            var value = state[source.ModuleKey].detach().cpu();
            if (source.Parts.Count > 1)
            {
                long start = 0;
                foreach (var part in source.Parts)
                {
                    result.Add((part.Key, value.narrow(0, start, part.Shape[0]).contiguous()));
                    start += part.Shape[0];
                }
            }
            else
            {
                result.Add((source.Parts[0].Key, (source.Transposed ? value.t() : value).contiguous()));
            }
        }
        if (architecture == HuggingFaceArchitecture.Gpt2 && !model.Layers[0].Attention.HasBias)
        {
            var dtype = model.ParameterDtype;
            for (int i = 0; i < model.Layers.Count; i++)
            {
                var g = model.Layers[i].Attention.Mixer.Geometry;
                long width = (long)g.Heads * g.HeadDim;
                result.Add(($"transformer.h.{i}.attn.c_attn.bias", zeros(3 * width, dtype)));
                result.Add(($"transformer.h.{i}.attn.c_proj.bias", zeros(model.Width, dtype)));
            }
        }
        return result;
    }

    /// <summary>safetensors with the "format": "pt" metadata that transformers checks, tensors back to back in order.</summary>
    static void WriteSafetensors(Stream stream, List<(string Key, Tensor Value)> tensors)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (key, value) in tensors)
        {
            long length = value.numel() * value.ElementSize;
            header[key] = new JsonObject
            {
                ["dtype"] = DtypeName(value.dtype),
                ["shape"] = new JsonArray(value.shape.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - json.Length % 8) % 8;   // the data starts 8-byte aligned; the format pads with spaces
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.Length + padding));
        stream.Write(prefix);
        stream.Write(json);
        for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
        foreach (var (_, value) in tensors) stream.Write(value.bytes);
    }

    static string DtypeName(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        _ => throw new NotSupportedException($"a weight is {type}; Hugging Face folders are written from floating-point weights only."),
    };
}
