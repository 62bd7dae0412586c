namespace LinearDsl.Runtime.Training;

/// <summary>
/// Settings of a training run. Everything that shapes the loss curve (seed, batch, schedule, optimizer, clipping) is
/// recorded in each checkpoint, and resuming with different values is refused; the intervals and the checkpoint
/// directory may change between runs.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps of the whole run (the schedule decays to <see cref="MinLearningRate"/> at the last one).</summary>
    public required int Steps { get; init; }

    /// <summary>Sequences per step. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Seed of the batch order. Default 0. (Weights are seeded where the model is created.)</summary>
    public ulong Seed { get; init; }

    /// <summary>Learning rate at the end of warmup. Default 3e-4.</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>Learning rate at the last step of the cosine decay. Default 0.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Steps of linear warmup. Default 0.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>AdamW's decoupled weight decay, applied to matrices and embeddings only (not to norms, biases or other vectors). Default 0.01.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>AdamW's first-moment coefficient. Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW's second-moment coefficient. Default 0.95.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>AdamW's epsilon. Default 1e-8.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Clip the global L2 norm of all gradients to this value; null for no clipping. Default 1.</summary>
    public double? GradientClipNorm { get; init; } = 1.0;

    /// <summary>Evaluate validation perplexity every this many steps (and always after the last); null for only after the last. Default null.</summary>
    public int? EvaluationInterval { get; init; }

    /// <summary>Evaluate on at most this many validation sequences (the first ones); null for all. Default null.</summary>
    public int? EvaluationSequences { get; init; }

    /// <summary>Sequences per evaluation batch; null for <see cref="BatchSize"/>. Default null.</summary>
    public int? EvaluationBatchSize { get; init; }

    /// <summary>Directory that receives a checkpoint folder (step-000100, ...) every <see cref="CheckpointInterval"/> steps and after the last; null for none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every this many steps (needs <see cref="CheckpointDirectory"/>); null for only after the last. Default null.</summary>
    public int? CheckpointInterval { get; init; }

    /// <summary>The schedule these options describe.</summary>
    public WarmupCosineSchedule Schedule() => new(LearningRate, Steps, WarmupSteps, MinLearningRate);

    /// <summary>Every problem with the options, empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Steps <= 0) problems.Add($"Steps must be positive (got {Steps}).");
        if (BatchSize <= 0) problems.Add($"BatchSize must be positive (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) problems.Add($"LearningRate must be a positive number (got {LearningRate}).");
        if (!(MinLearningRate >= 0 && MinLearningRate <= LearningRate)) problems.Add($"MinLearningRate must be in [0, LearningRate] (got {MinLearningRate}).");
        if (WarmupSteps < 0 || WarmupSteps > Steps) problems.Add($"WarmupSteps must be in [0, Steps] (got {WarmupSteps}).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) problems.Add($"WeightDecay must be 0 or more (got {WeightDecay}).");
        if (!(Beta1 >= 0 && Beta1 < 1)) problems.Add($"Beta1 must be in [0, 1) (got {Beta1}).");
        if (!(Beta2 >= 0 && Beta2 < 1)) problems.Add($"Beta2 must be in [0, 1) (got {Beta2}).");
        if (!(Epsilon >= 0) || double.IsInfinity(Epsilon)) problems.Add($"Epsilon must be 0 or more (got {Epsilon}).");
        if (GradientClipNorm is double clip && !(clip > 0)) problems.Add($"GradientClipNorm must be positive, or null for no clipping (got {clip}).");
        if (EvaluationInterval is <= 0) problems.Add($"EvaluationInterval must be positive or null (got {EvaluationInterval}).");
        if (EvaluationSequences is <= 0) problems.Add($"EvaluationSequences must be positive or null (got {EvaluationSequences}).");
        if (EvaluationBatchSize is <= 0) problems.Add($"EvaluationBatchSize must be positive or null (got {EvaluationBatchSize}).");
        if (CheckpointInterval is <= 0) problems.Add($"CheckpointInterval must be positive or null (got {CheckpointInterval}).");
        if (CheckpointInterval is not null && string.IsNullOrWhiteSpace(CheckpointDirectory)) problems.Add("CheckpointInterval needs a CheckpointDirectory.");
        return problems;
    }

    /// <summary>Throws when <see cref="Problems"/> is not empty.</summary>
    /// <exception cref="ArgumentException">Lists every problem.</exception>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
            throw new ArgumentException("Invalid training options:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)));
    }
}
