namespace LinearDsl.Study;

/// <summary>What one linearization study does: the budget, the linear variants, the seed, the corpus and where the results go.</summary>
public sealed record LinearizeStudyOptions
{
    /// <summary>How much to train and measure, with the run's overrides applied.</summary>
    public required LinearizeBudget Budget { get; init; }

    /// <summary>The linear variants the teacher is linearized into (<see cref="LinearizeVariants.Select"/>); the softmax teacher is always trained.</summary>
    public required IReadOnlyList<StudyVariant> Variants { get; init; }

    /// <summary>Seed of the initial weights, the batch order and the adapters.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Folder of linearize.json, linearize.md, the figures and the models.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>The UTF-8 text file to train and validate on.</summary>
    public required string CorpusPath { get; init; }

    /// <summary>The corpus as the report names it.</summary>
    public required string CorpusName { get; init; }

    /// <summary>The share of the corpus's sequences held out for validation.</summary>
    public double ValidationFraction { get; init; } = 0.02;

    /// <summary>Torch threads for training and evaluation, or null for the current setting.</summary>
    public int? Threads { get; init; }

    /// <summary>The command line that started the run, recorded in the report.</summary>
    public required string Command { get; init; }
}
