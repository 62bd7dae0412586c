namespace LinearDsl.Runtime.Training;

/// <summary>What a <see cref="MedusaTraining"/> run did.</summary>
/// <param name="Losses">Training loss of every step (the sum over heads of each head's mean cross-entropy, nats).</param>
/// <param name="Accuracy">Per head, on the held-out continuations: how often its most likely token is the model's greedy token (head i: i + 2 positions ahead).</param>
/// <param name="Top5Accuracy">Per head: how often the greedy token is among its five most likely.</param>
/// <param name="InitialAccuracy">Per head, the same top-1 accuracy before training (the heads as they were).</param>
/// <param name="TrainSequences">Greedy continuations trained on.</param>
/// <param name="ValidationSequences">Held-out greedy continuations measured.</param>
public sealed record MedusaTrainingResult(IReadOnlyList<double> Losses, IReadOnlyList<double> Accuracy, IReadOnlyList<double> Top5Accuracy,
    IReadOnlyList<double> InitialAccuracy, int TrainSequences, int ValidationSequences);

/// <summary>Progress of a <see cref="MedusaTraining"/> run: writing continuations (Step 0), then after each step.</summary>
/// <param name="Phase">"generating" while the model writes its continuations, "training" after.</param>
/// <param name="Done">Continuations written, or steps completed.</param>
/// <param name="Total">Continuations to write, or steps of the run.</param>
/// <param name="Loss">The last step's loss; NaN while generating.</param>
public readonly record struct MedusaTrainingProgress(string Phase, int Done, int Total, double Loss);
