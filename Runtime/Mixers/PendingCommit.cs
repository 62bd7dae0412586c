using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// What a <see cref="TokenMixer.Verify"/> call computed about its candidates and what <see cref="TokenMixer.Commit"/>
/// needs to accept a prefix of them without recomputation. Valid only for the state version it was made from.
/// </summary>
public abstract class PendingCommit : IDisposable
{
    readonly List<Tensor> _owned = new();

    /// <summary>Records the state and version that the verification read.</summary>
    protected PendingCommit(MixerState state, long candidates)
    {
        State = state;
        Version = state.Version;
        Candidates = candidates;
    }

    /// <summary>The state the candidates were verified against.</summary>
    public MixerState State { get; }

    /// <summary>The state's version at verification time.</summary>
    public long Version { get; }

    /// <summary>Candidates per row (m).</summary>
    public long Candidates { get; }

    /// <summary>Keeps a tensor alive (outside dispose scopes) for as long as this record.</summary>
    protected Tensor Keep(Tensor t)
    {
        // An alias: the caller's own tensor (an input, say) stays the caller's to dispose.
        var kept = t.alias().DetachFromDisposeScope();
        _owned.Add(kept);
        return kept;
    }

    /// <summary>Frees what a record holds besides its kept tensors (the generic tree verification's copied state).</summary>
    private protected virtual void Release()
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        Release();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Output of a verification: the candidates' outputs and the record that commits them.</summary>
/// <param name="Output">[batch, heads, candidates, head_dim].</param>
/// <param name="Pending">Pass to <see cref="TokenMixer.Commit"/> with the accepted count of each row.</param>
public readonly record struct VerifyResult(Tensor Output, PendingCommit Pending);
