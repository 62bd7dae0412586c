namespace LinearDsl.Study;

/// <summary>
/// What one linearization study does: its budget, and the linear variants the teacher is linearized into (see
/// <see cref="LinearizeVariants.Select"/>; the softmax teacher always trains), seed, corpus and output of every run.
/// </summary>
public sealed record LinearizeStudyOptions : StudyRunOptions
{
    /// <summary>How much to train and measure, with the run's overrides applied.</summary>
    public required LinearizeBudget Budget { get; init; }
}
