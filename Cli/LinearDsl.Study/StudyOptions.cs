namespace LinearDsl.Study;

/// <summary>What one study run does: the budget, the variants, the seed, the corpus and where the results go.</summary>
public sealed record StudyOptions
{
    /// <summary>How much to train and measure, with the run's overrides applied.</summary>
    public required StudyBudget Budget { get; init; }

    /// <summary>The variants to train; the softmax reference among them (<see cref="StudyVariants.Select"/>).</summary>
    public required IReadOnlyList<StudyVariant> Variants { get; init; }

    /// <summary>Seed of every variant's initial weights and of the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Folder of study.json, study.md, the figures and the trained models.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>The UTF-8 text file to train and validate on.</summary>
    public required string CorpusPath { get; init; }

    /// <summary>The corpus as the report names it (the path the user gave, or the bundled corpus's).</summary>
    public required string CorpusName { get; init; }

    /// <summary>The share of the corpus's sequences held out for validation.</summary>
    public double ValidationFraction { get; init; } = 0.02;

    /// <summary>Torch threads for training and evaluation, or null for the current setting.</summary>
    public int? Threads { get; init; }

    /// <summary>The command line that started the run, recorded in the report.</summary>
    public required string Command { get; init; }
}
