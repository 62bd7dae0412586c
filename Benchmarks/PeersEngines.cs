using LLama;
using LLama.Common;
using LLama.Native;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Benchmarks;

/// <summary>
/// One engine with one model loaded and one sequence (batch 1) that only grows: prefill extends it, every decode step
/// appends one token. The peers benchmark drives every engine through this, so both sides do the same work.
/// </summary>
public interface IPeerEngine : IDisposable
{
    /// <summary>"llama.cpp" or "lineardsl".</summary>
    string Engine { get; }

    /// <summary>"softmax" or "augmented".</summary>
    string Model { get; }

    /// <summary>"f32", "q8_0" or "int8".</summary>
    string Weights { get; }

    /// <summary>Tokens in the sequence so far.</summary>
    long Position { get; }

    /// <summary>Appends a block of tokens (prefill), on every core.</summary>
    void Extend(ReadOnlySpan<long> tokens);

    /// <summary>Decodes one more token on <paramref name="threads"/> threads.</summary>
    void DecodeToken(long token, int threads);

    /// <summary>Bytes of the sequence's state: the KV cache of a softmax model, the recurrent state of an augmented one.</summary>
    long StateBytes { get; }
}

/// <summary>
/// llama.cpp through LLamaSharp's CPU backend on an exported GGUF file: float32 KV cache, flash attention off (its CPU
/// flash attention was slower for one-token decode, and it is a per-context setting, so prefill runs without it too),
/// prefill in batches of 512 on every core, decode on the threads asked for (llama.cpp's generation threads).
/// </summary>
public sealed class LlamaCppEngine : IPeerEngine
{
    const int PrefillBatch = 512;
    readonly LLamaWeights _weights;
    readonly LLamaContext _context;
    readonly LLamaBatch _batch = new();
    int _position;

    static LlamaCppEngine()
    {
        // llama.cpp logs every load at length; keep its warnings and errors only.
        NativeLogConfig.llama_log_set((level, message) =>
        {
            if (level is LLamaLogLevel.Warning or LLamaLogLevel.Error) Console.Error.Write($"llama.cpp: {message}");
        });
    }

    public LlamaCppEngine(string ggufPath, string weights, int contextTokens)
    {
        Weights = weights;
        int cores = Environment.ProcessorCount;
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextTokens,
            BatchSize = PrefillBatch,
            UBatchSize = PrefillBatch,
            Threads = cores,
            BatchThreads = cores,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    public string Engine => "llama.cpp";

    public string Model => "softmax";

    public string Weights { get; }

    public long Position => _position;

    public long StateBytes => (long)_context.NativeHandle.GetStateSize(LLamaSeqId.Zero);

    public void Extend(ReadOnlySpan<long> tokens)
    {
        for (int start = 0; start < tokens.Length; start += PrefillBatch)
        {
            int length = Math.Min(PrefillBatch, tokens.Length - start);
            _batch.Clear();
            for (int i = 0; i < length; i++) _batch.Add((LLamaToken)(int)tokens[start + i], _position + i, LLamaSeqId.Zero, logits: i == length - 1);
            Decode();
            _position += length;
        }
    }

    public void DecodeToken(long token, int threads)
    {
        _context.NativeHandle.GenerationThreads = threads;
        _batch.Clear();
        _batch.Add((LLamaToken)(int)token, _position, LLamaSeqId.Zero, logits: true);
        Decode();
        _position++;
    }

    void Decode()
    {
        var result = _context.NativeHandle.Decode(_batch);
        if (result != DecodeResult.Ok)
            throw new InvalidOperationException($"llama.cpp could not decode at position {_position}: {result}.");
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}

/// <summary>
/// A LinearDsl model in float32 on the CPU with its decode program (the config's, built at run time): prefill through
/// <see cref="CausalLanguageModel.Prefill"/> on every core (torch threads), decode through
/// <see cref="CausalLanguageModel.Step"/> with <see cref="FusedDecoding.Threads"/> and torch's threads set to the count asked for.
/// </summary>
public sealed class LinearDslEngine : IPeerEngine
{
    readonly CausalLanguageModel _model;
    readonly ModelState _state;

    /// <summary>Takes ownership of <paramref name="model"/>.</summary>
    public LinearDslEngine(CausalLanguageModel model, string weights)
    {
        _model = model;
        _model.eval();
        if (_model.DecodeProgram is null) throw new InvalidOperationException("The benchmark's LinearDsl models decode through a program; none is attached.");
        Model = model.Config?.MixerFor(0).Kind == MixerKind.Softmax ? "softmax" : "augmented";
        Weights = weights;
        _state = _model.CreateState(1);
    }

    public string Engine => "lineardsl";

    public string Model { get; }

    public string Weights { get; }

    public long Position => _state.Positions[0];

    public long StateBytes => _state.StateBytes;

    public void Extend(ReadOnlySpan<long> tokens)
    {
        UseThreads(Math.Min(Environment.ProcessorCount, FusedDecoding.MaxThreads));
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode();
        _model.Prefill(tensor(tokens.ToArray(), [1, tokens.Length]), _state);
    }

    public void DecodeToken(long token, int threads)
    {
        UseThreads(threads);
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode();
        _model.Step(tensor(new[] { token }, [1, 1]), _state);
    }

    /// <summary>Sets torch's and the decode program's threads, calling into libtorch only when the count changes.</summary>
    static void UseThreads(int threads)
    {
        if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
        FusedDecoding.Threads = threads;
    }

    public void Dispose()
    {
        _state.Dispose();
        _model.Dispose();
    }
}
