using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// What a <see cref="CausalLanguageModel.Verify"/> call computed about its candidates, one
/// <see cref="PendingCommit"/> per layer, so that <see cref="CausalLanguageModel.Commit"/> can accept a prefix per
/// row without recomputation. Valid only for the state version it was made from. Dispose it after committing.
/// </summary>
public sealed partial class ModelPending : IDisposable
{
    readonly PendingCommit[] _layers;
    bool _disposed;

    internal ModelPending(ModelState state, long candidates, PendingCommit[] layers)
    {
        State = state;
        Version = state.Version;
        Candidates = candidates;
        _layers = layers;
    }

    /// <summary>The state the candidates were verified against.</summary>
    public ModelState State { get; }

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
    }
}

/// <summary>Output of a model-level verification.</summary>
/// <param name="Logits">[batch, candidates, vocab]: the logits after each candidate.</param>
/// <param name="Pending">Pass to <see cref="CausalLanguageModel.Commit"/> with the accepted count of each row, then dispose.</param>
public readonly record struct ModelVerifyResult(Tensor Logits, ModelPending Pending)
{
    /// <summary>
    /// [batch, candidates, width]: the final hidden state (after the final norm) after each candidate, which Medusa
    /// heads read; set only for a model with heads (<see cref="CausalLanguageModel.Medusa"/>), null otherwise.
    /// Dispose it with the logits.
    /// </summary>
    public Tensor? Hidden { get; init; }
}
