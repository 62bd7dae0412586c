using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// What a <see cref="CausalLanguageModel.Verify"/> call computed about its candidates, one
/// <see cref="PendingCommit"/> per layer, so that <see cref="CausalLanguageModel.Commit"/> can accept a prefix per
/// row without recomputation. Valid only for the state version it was made from. Dispose it after committing.
/// </summary>
public sealed partial class ModelPending : PendingLayers<ModelState>
{
    internal ModelPending(ModelState state, long candidates, PendingCommit[] layers)
        : base(state, state.Version, candidates, layers)
    {
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
