using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// What a Verify call computed about its candidates, one <see cref="PendingCommit"/> per layer, so that Commit can
/// accept a prefix per row without recomputation. Valid only for the state version it was made from. Dispose it after
/// committing.
/// </summary>
/// <typeparam name="TState">The decoding state the candidates were verified against.</typeparam>
public abstract class PendingLayers<TState> : IDisposable
    where TState : class
{
    readonly PendingCommit[] _layers;
    bool _disposed;

    private protected PendingLayers(TState state, long version, long candidates, PendingCommit[] layers)
    {
        State = state;
        Version = version;
        Candidates = candidates;
        _layers = layers;
    }

    /// <summary>The state the candidates were verified against.</summary>
    public TState State { get; }

    /// <summary>The state's version at verification time.</summary>
    public long Version { get; }

    /// <summary>Candidates per row (m).</summary>
    public long Candidates { get; }

    /// <summary>Each layer's pending record.</summary>
    internal IReadOnlyList<PendingCommit> Layers
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _layers;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var layer in _layers) layer.Dispose();
        GC.SuppressFinalize(this);
    }
}
