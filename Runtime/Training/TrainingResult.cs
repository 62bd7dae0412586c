namespace LinearDsl.Runtime.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
/// <param name="Steps">Steps completed in total (including steps before a resume).</param>
/// <param name="Losses">Training loss of every step, first to last, including steps before a resume.</param>
/// <param name="Evaluations">Every evaluation of the run, including those before a resume.</param>
/// <param name="Elapsed">Wall time of this call.</param>
/// <param name="TokensPerSecond">Target tokens trained on per second during this call.</param>
/// <param name="LastCheckpoint">The last checkpoint directory written, or null.</param>
public sealed record TrainingResult(
    int Steps,
    IReadOnlyList<double> Losses,
    IReadOnlyList<EvaluationResult> Evaluations,
    TimeSpan Elapsed,
    double TokensPerSecond,
    string? LastCheckpoint)
{
    /// <summary>The last evaluation, or null when there was no validation set.</summary>
    public EvaluationResult? FinalEvaluation => Evaluations.Count > 0 ? Evaluations[^1] : null;
}
