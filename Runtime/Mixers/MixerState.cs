using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Decoding state of one mixer for a batch. Each row sits at its own absolute position (the number of tokens it
/// has committed). State tensors live outside every dispose scope and are freed by <see cref="Dispose"/>.
/// </summary>
public abstract class MixerState : IDisposable
{
    long[] _positions;
    readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    bool _disposed;

    /// <summary>Creates a state for <paramref name="batch"/> rows, all at position 0.</summary>
    protected MixerState(TokenMixer owner, long batch, ScalarType dtype, Device device)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch must be positive.");
        Owner = owner;
        Batch = batch;
        Dtype = dtype;
        Device = device;
        _positions = new long[batch];
    }

    /// <summary>The mixer that created this state; only it may advance the state.</summary>
    public TokenMixer Owner { get; }

    /// <summary>Rows in the batch.</summary>
    public long Batch { get; private set; }

    /// <summary>Element type of the mixer's inputs and outputs.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Device holding the state.</summary>
    public Device Device { get; }

    /// <summary>Absolute position of each row: how many tokens it has committed.</summary>
    public IReadOnlyList<long> Positions => _positions;

    /// <summary>Incremented by every change; a pending verification is valid only for the version it read.</summary>
    public long Version { get; private set; }

    /// <summary>The state's tensors by name, for inspection and tests.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>Bytes of state that the committed tokens occupy (for a KV cache: the filled part).</summary>
    public virtual long StateBytes => AllocatedBytes;

    /// <summary>Bytes allocated by the state's tensors, including reserved capacity.</summary>
    public long AllocatedBytes => _tensors.Values.Sum(t => t.NumberOfElements * t.ElementSize);

    /// <summary>Positions as a span the owning mixer may write.</summary>
    protected internal Span<long> MutablePositions => _positions;

    /// <summary>Whether every row is still at position 0.</summary>
    public bool IsFresh => _positions.All(p => p == 0);

    /// <summary>Reads a state tensor.</summary>
    protected Tensor Get(string name) => _tensors[name];

    /// <summary>Stores a state tensor (detached from any dispose scope), freeing the one it replaces.</summary>
    protected void Set(string name, Tensor value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var kept = value.DetachFromDisposeScope();
        if (_tensors.TryGetValue(name, out var old) && !ReferenceEquals(old, kept)) old.Dispose();
        _tensors[name] = kept;
    }

    /// <summary>Marks a change of the state.</summary>
    protected internal void Touch() => Version++;

    /// <summary>Throws when the state has been disposed.</summary>
    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>
    /// Appends <paramref name="other"/>'s rows after this state's (continuous batching: a request that joins a running
    /// batch). Every state tensor holds its rows on dimension 0; where the other sizes differ (KV caches of different
    /// capacities) the smaller is padded with zeros, which is what every empty slot holds. The values are copied, so the
    /// joined rows are bit for bit what they were; <paramref name="other"/> stays the caller's to dispose.
    /// </summary>
    internal void AppendRows(MixerState other)
    {
        ThrowIfDisposed();
        other.ThrowIfDisposed();
        if (other.Owner != Owner || other.GetType() != GetType() || other.Dtype != Dtype)
            throw new ArgumentException("Only a state of the same mixer and element type can join this batch.", nameof(other));
        using var scope = NewDisposeScope();
        foreach (var name in _tensors.Keys.ToArray())
        {
            var (mine, theirs) = PadToMatch(_tensors[name], other._tensors[name]);
            Set(name, cat([mine, theirs], 0));
        }
        _positions = [.. _positions, .. other._positions];
        Batch = _positions.Length;
        Touch();
    }

    /// <summary>Keeps only <paramref name="rows"/> (in that order): rows that finished or were cancelled leave the batch.</summary>
    internal void KeepRows(IReadOnlyList<int> rows)
    {
        ThrowIfDisposed();
        CheckRows(rows);
        using var scope = NewDisposeScope();
        var index = tensor(rows.Select(r => (long)r).ToArray(), ScalarType.Int64, Device);
        foreach (var name in _tensors.Keys.ToArray()) Set(name, _tensors[name].index_select(0, index).contiguous());
        _positions = rows.Select(r => _positions[r]).ToArray();
        Batch = _positions.Length;
        Touch();
    }

    /// <summary>A new state holding a copy of <paramref name="rows"/> (for example one finished row, for a conversation cache).</summary>
    internal MixerState CopyRows(IReadOnlyList<int> rows)
    {
        ThrowIfDisposed();
        CheckRows(rows);
        var copy = Owner.CreateState(rows.Count, Dtype, Device);
        try
        {
            using var scope = NewDisposeScope();
            var index = tensor(rows.Select(r => (long)r).ToArray(), ScalarType.Int64, Device);
            foreach (var (name, value) in _tensors) copy.Set(name, value.index_select(0, index).contiguous());
            for (int i = 0; i < rows.Count; i++) copy._positions[i] = _positions[rows[i]];
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Replaces every state tensor by <paramref name="rows"/> of <paramref name="source"/>'s (a state of the same mixer):
    /// row b becomes source row rows[b]. Positions stay; the caller sets them. Used by the generic tree commit.
    /// </summary>
    internal void TakeRowsFrom(MixerState source, IReadOnlyList<int> rows)
    {
        ThrowIfDisposed();
        source.ThrowIfDisposed();
        if (rows.Count != Batch) throw new ArgumentException($"Take one source row per row: got {rows.Count}, the state has {Batch}.", nameof(rows));
        source.CheckRows(rows);
        using var scope = NewDisposeScope();
        var index = tensor(rows.Select(r => (long)r).ToArray(), ScalarType.Int64, Device);
        foreach (var (name, value) in source._tensors) Set(name, value.index_select(0, index).contiguous());
    }

    void CheckRows(IReadOnlyList<int> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("Keep at least one row; dispose the state to drop them all.", nameof(rows));
        foreach (int row in rows)
        {
            if (row < 0 || row >= Batch) throw new ArgumentOutOfRangeException(nameof(rows), row, $"The state has rows 0..{Batch - 1}.");
        }
    }

    /// <summary>Both tensors zero-padded at the end of every dimension but the first to the larger size of each.</summary>
    static (Tensor, Tensor) PadToMatch(Tensor a, Tensor b)
    {
        if (a.dim() != b.dim()) throw new ArgumentException("State tensors of the same mixer must have the same rank.");
        var size = a.shape.Zip(b.shape, Math.Max).ToArray();
        return (PadTo(a, size), PadTo(b, size));
    }

    static Tensor PadTo(Tensor t, long[] size)
    {
        bool same = true;
        for (int i = 1; i < size.Length; i++) same &= t.shape[i] == size[i];
        if (same) return t;
        var padded = zeros([t.shape[0], .. size[1..]], t.dtype, t.device);
        var view = padded;
        for (int i = 1; i < size.Length; i++) view = view.narrow(i, 0, t.shape[i]);
        view.copy_(t);
        return padded;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
        GC.SuppressFinalize(this);
    }
}
