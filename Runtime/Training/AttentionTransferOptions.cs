namespace LinearDsl.Runtime.Training;

/// <summary>Settings of <see cref="AttentionTransfer"/>: AdamW over the student's mixer parameters with a cosine-decayed learning rate.</summary>
public sealed record AttentionTransferOptions
{
    /// <summary>Optimizer steps. Default 100.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Training sequences per step. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Peak learning rate; it decays along a cosine to a tenth of it. Default 1e-2 (the mixer parameters are few and start far from their optimum).</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Seed of the batch order. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Largest gradient norm (clipped above it), or null for no clipping. Default 1.</summary>
    public double? GradientClipNorm { get; init; } = 1.0;

    /// <summary>Every problem with the options, empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Steps <= 0) problems.Add($"Steps must be positive (got {Steps}).");
        if (BatchSize <= 0) problems.Add($"BatchSize must be positive (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) problems.Add($"LearningRate must be a positive number (got {LearningRate}).");
        if (GradientClipNorm is double clip && !(clip > 0)) problems.Add($"GradientClipNorm must be positive when set (got {clip}).");
        return problems;
    }

    /// <summary>Throws when <see cref="Problems"/> finds any.</summary>
    /// <exception cref="ArgumentException">Lists every problem.</exception>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentException("Invalid attention-transfer options: " + string.Join(" ", problems));
    }
}

/// <summary>What an attention transfer did: the loss of every step (mean over layers of the MSE to the teacher's attention output).</summary>
/// <param name="Steps">Steps taken.</param>
/// <param name="Losses">The batch loss of every step, first to last (before that step's update).</param>
/// <param name="TrainableParameters">Values in the mixer parameters that were trained.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record AttentionTransferResult(int Steps, IReadOnlyList<double> Losses, long TrainableParameters, TimeSpan Elapsed);
