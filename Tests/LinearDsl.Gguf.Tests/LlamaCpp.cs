using LLama;
using LLama.Common;
using LLama.Native;

namespace LinearDsl.Gguf.Tests;

/// <summary>Runs a GGUF file in llama.cpp (LLamaSharp's CPU backend): one thread, float32 KV cache, no flash attention.</summary>
public static class LlamaCpp
{
    /// <summary>llama.cpp's logits for <paramref name="tokens"/> (fed by id in one batch) at every position: [position][token].</summary>
    public static float[][] Logits(string path, long[] tokens)
    {
        var parameters = new ModelParams(path)
        {
            ContextSize = 64,
            BatchSize = 64,
            UBatchSize = 64,
            Threads = 1,
            BatchThreads = 1,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        var batch = new LLamaBatch();
        for (int i = 0; i < tokens.Length; i++) batch.Add((LLamaToken)(int)tokens[i], i, LLamaSeqId.Zero, logits: true);
        var result = context.NativeHandle.Decode(batch);
        result.Should().Be(DecodeResult.Ok);
        return Enumerable.Range(0, tokens.Length).Select(i => context.NativeHandle.GetLogitsIth(i).ToArray()).ToArray();
    }

    /// <summary>llama.cpp's tokenization of <paramref name="text"/> (no BOS, special tokens as plain text) and its decoding back to text.</summary>
    public static (int[] Ids, string Text) RoundTrip(string path, string text)
    {
        var parameters = new ModelParams(path) { GpuLayerCount = 0 };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        var ids = weights.Tokenize(text, add_bos: false, special: false, System.Text.Encoding.UTF8);
        var decoder = new StreamingTokenDecoder(System.Text.Encoding.UTF8, weights);
        decoder.AddRange(ids);
        return (ids.Select(t => (int)t).ToArray(), decoder.Read());
    }

    /// <summary>The model's metadata as llama.cpp read it.</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string path)
    {
        var parameters = new ModelParams(path) { GpuLayerCount = 0 };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        return weights.Metadata.ToDictionary(p => p.Key, p => p.Value);
    }
}
