namespace LinearDsl.Runtime.Training;

/// <summary>What a trainer reports after every optimizer step (for progress bars and logs).</summary>
/// <param name="Step">Steps completed, counting steps before a resume.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Loss">Training loss of this step's batch.</param>
/// <param name="LearningRate">Learning rate this step used.</param>
/// <param name="GradientNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="TokensPerSecond">Target tokens trained on per second of wall time since this run started (or resumed).</param>
/// <param name="Elapsed">Wall time since this run started (or resumed).</param>
/// <param name="EstimatedRemaining">Expected wall time of the remaining steps at this run's average pace (evaluations excluded).</param>
/// <param name="Evaluation">The validation result, when this step ended with an evaluation; else null.</param>
/// <param name="CheckpointPath">The checkpoint directory written after this step, if any; else null.</param>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    double Loss,
    double LearningRate,
    double GradientNorm,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan EstimatedRemaining,
    EvaluationResult? Evaluation,
    string? CheckpointPath);
