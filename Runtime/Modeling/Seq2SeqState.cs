using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// Decoding state of a <see cref="Seq2SeqModel"/>'s decoder for a batch: one <see cref="MixerState"/> per decoder
/// layer, all advanced together, and the <see cref="EncoderMemory"/> its cross-attention reads (not owned: dispose
/// the memory yourself, after the states that read it). Each row sits at its own position. Dispose it to free the layers' tensors.
/// </summary>
public sealed class Seq2SeqState : IDisposable
{
    readonly MixerState[] _layers;
    string? _brokenBy;
    bool _disposed;

    internal Seq2SeqState(Seq2SeqModel owner, EncoderMemory memory, MixerState[] layers)
    {
        Owner = owner;
        Memory = memory;
        _layers = layers;
    }

    /// <summary>The model that created this state.</summary>
    public Seq2SeqModel Owner { get; }

    /// <summary>The encoder output the decoder reads.</summary>
    public EncoderMemory Memory { get; }

    /// <summary>Rows in the batch.</summary>
    public long Batch => _layers[0].Batch;

    /// <summary>Decoder position of each row: how many target tokens it has committed.</summary>
    public IReadOnlyList<long> Positions => _layers[0].Positions;

    /// <summary>The state of each decoder layer's self-attention mixer.</summary>
    public IReadOnlyList<MixerState> Layers => _layers;

    /// <summary>Incremented by every change; a pending verification is valid only for the version it read.</summary>
    public long Version { get; private set; }

    internal void Advance() => Version++;

    internal void MarkBroken(string form, Exception error) => _brokenBy ??= $"{form} failed part-way through the layers ({error.GetType().Name}: {error.Message})";

    /// <summary>Throws when the state (or its memory) has been disposed or left inconsistent by a failed call.</summary>
    public void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Memory.ThrowIfDisposed();
        if (_brokenBy is not null)
            throw new InvalidOperationException($"This decoding state can no longer be used: {_brokenBy}. Dispose it and create a new one with CreateState.");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var layer in _layers) layer.Dispose();
    }
}

/// <summary>
/// What <see cref="Seq2SeqModel.Verify"/> computed about its candidates, one <see cref="PendingCommit"/> per decoder
/// layer, for <see cref="Seq2SeqModel.Commit"/>. Valid only for the state version it was made from; dispose it after committing.
/// </summary>
public sealed class Seq2SeqPending : PendingLayers<Seq2SeqState>
{
    internal Seq2SeqPending(Seq2SeqState state, long candidates, PendingCommit[] layers)
        : base(state, state.Version, candidates, layers)
    {
    }
}

/// <summary>Output of <see cref="Seq2SeqModel.Verify"/>.</summary>
/// <param name="Logits">[batch, candidates, vocab]: the logits after each candidate.</param>
/// <param name="Pending">Pass to <see cref="Seq2SeqModel.Commit"/> with the accepted count of each row, then dispose.</param>
public readonly record struct Seq2SeqVerifyResult(Tensor Logits, Seq2SeqPending Pending);
