using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// Decoding state of a <see cref="CausalLanguageModel"/> for a batch: one <see cref="MixerState"/> per layer, all
/// advanced together. Each row sits at its own absolute position. Dispose it to free the layers' tensors.
/// </summary>
public sealed class ModelState : IDisposable
{
    readonly MixerState[] _layers;
    string? _brokenBy;
    bool _disposed;

    internal ModelState(CausalLanguageModel owner, MixerState[] layers, ScalarType dtype, Device device)
    {
        Owner = owner;
        _layers = layers;
        Batch = layers[0].Batch;
        Dtype = dtype;
        Device = device;
    }

    /// <summary>The model that created this state; only it may advance the state.</summary>
    public CausalLanguageModel Owner { get; }

    /// <summary>Rows in the batch.</summary>
    public long Batch { get; private set; }

    /// <summary>Element type of the model's activations.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Device holding the state.</summary>
    public Device Device { get; }

    /// <summary>Absolute position of each row: how many tokens it has committed.</summary>
    public IReadOnlyList<long> Positions => _layers[0].Positions;

    /// <summary>The state of each layer's mixer, for inspection and tests.</summary>
    public IReadOnlyList<MixerState> Layers => _layers;

    /// <summary>Incremented by every change; a pending verification is valid only for the version it read.</summary>
    public long Version { get; private set; }

    /// <summary>Bytes of state that the committed tokens occupy, over all layers.</summary>
    public long StateBytes => _layers.Sum(layer => layer.StateBytes);

    /// <summary>Bytes allocated by the layers' state tensors, including reserved capacity.</summary>
    public long AllocatedBytes => _layers.Sum(layer => layer.AllocatedBytes);

    /// <summary>
    /// Appends <paramref name="other"/>'s rows (a state of the same model) after this state's rows, each at its own
    /// position: a request joins a running batch. The rows are copied bit for bit; <paramref name="other"/> stays the
    /// caller's to dispose. Pending verifications of this state become invalid.
    /// </summary>
    internal void AppendRows(ModelState other)
    {
        ThrowIfUnusable();
        other.ThrowIfUnusable();
        if (other.Owner != Owner) throw new ArgumentException("Only a state of the same model can join this batch.", nameof(other));
        RowChange(nameof(AppendRows), () => { for (int i = 0; i < _layers.Length; i++) _layers[i].AppendRows(other._layers[i]); });
    }

    /// <summary>Keeps only <paramref name="rows"/>, in that order (finished or cancelled rows leave the batch).</summary>
    internal void KeepRows(IReadOnlyList<int> rows)
    {
        ThrowIfUnusable();
        if (rows.Count == 0) throw new ArgumentException("Keep at least one row; dispose the state to drop them all.", nameof(rows));
        foreach (int row in rows)
        {
            if (row < 0 || row >= Batch) throw new ArgumentOutOfRangeException(nameof(rows), row, $"The state has rows 0..{Batch - 1}.");
        }
        RowChange(nameof(KeepRows), () => { foreach (var layer in _layers) layer.KeepRows(rows); });
    }

    /// <summary>A new state holding a copy of <paramref name="rows"/> of this one (the caller disposes it).</summary>
    internal ModelState CopyRows(IReadOnlyList<int> rows)
    {
        ThrowIfUnusable();
        var layers = new List<MixerState>(_layers.Length);
        try
        {
            foreach (var layer in _layers) layers.Add(layer.CopyRows(rows));
        }
        catch
        {
            foreach (var layer in layers) layer.Dispose();
            throw;
        }
        return new ModelState(Owner, layers.ToArray(), Dtype, Device);
    }

    void RowChange(string form, Action change)
    {
        try
        {
            change();
        }
        catch (Exception error)
        {
            MarkBroken(form, error);
            throw;
        }
        Batch = _layers[0].Batch;
        Advance();
    }

    /// <summary>Marks a completed change.</summary>
    internal void Advance() => Version++;

    /// <summary>
    /// Records that a call failed after some layers had already changed: the layers may now disagree about
    /// positions, so the state refuses further use instead of producing silently wrong logits.
    /// </summary>
    internal void MarkBroken(string form, Exception error) => _brokenBy ??= $"{form} failed part-way through the layers ({error.GetType().Name}: {error.Message})";

    /// <summary>Throws when the state has been disposed or left inconsistent by a failed call.</summary>
    public void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
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
