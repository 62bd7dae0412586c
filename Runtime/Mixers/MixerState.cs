using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Decoding state of one mixer for a batch. Each row sits at its own absolute position (the number of tokens it
/// has committed). State tensors live outside every dispose scope and are freed by <see cref="Dispose"/>.
/// </summary>
public abstract class MixerState : IDisposable
{
    readonly long[] _positions;
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
    public long Batch { get; }

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
