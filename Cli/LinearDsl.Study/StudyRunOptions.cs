namespace LinearDsl.Study;

/// <summary>
/// What every study run is given besides its budget: the variants, the seed, the corpus, the torch threads, where the
/// results go and the command line that started it.
/// </summary>
public abstract record StudyRunOptions
{
    /// <summary>The variants to train, as the study's own <c>Select</c> returns them.</summary>
    public required IReadOnlyList<StudyVariant> Variants { get; init; }

    /// <summary>Seed of the initial weights and of the batch order (and of anything else the run draws).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Folder of the report, the figures and the trained models.</summary>
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
