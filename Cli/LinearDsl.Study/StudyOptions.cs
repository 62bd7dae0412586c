namespace LinearDsl.Study;

/// <summary>What one <c>study</c> run does: its budget, and the variants (the softmax reference among them, see <see cref="StudyVariants.Select"/>), seed, corpus and output of every run.</summary>
public sealed record StudyOptions : StudyRunOptions
{
    /// <summary>How much to train and measure, with the run's overrides applied.</summary>
    public required StudyBudget Budget { get; init; }
}
