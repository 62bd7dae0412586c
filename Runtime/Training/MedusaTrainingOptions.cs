namespace LinearDsl.Runtime.Training;

/// <summary>
/// Settings of <see cref="MedusaTraining"/>: how many greedy continuations of the corpus the model writes (its own
/// outputs are what the heads must predict), and the optimizer run over the heads alone.
/// </summary>
public sealed record MedusaTrainingOptions
{
    /// <summary>Optimizer steps. Default 600.</summary>
    public int Steps { get; init; } = 600;

    /// <summary>Continuations per step. Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>AdamW learning rate after warmup (cosine decay to a tenth of it). Default 1e-3, as Medusa-1 trains its heads.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Steps of linear warmup. Default 20.</summary>
    public int WarmupSteps { get; init; } = 20;

    /// <summary>Seed of the prompt positions and the batch order. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Greedy continuations written for training. Default 256.</summary>
    public int TrainSequences { get; init; } = 256;

    /// <summary>Greedy continuations of held-out prompts (the corpus's last tenth), for the heads' accuracy. Default 32.</summary>
    public int ValidationSequences { get; init; } = 32;

    /// <summary>Corpus tokens each continuation starts from. Default 32.</summary>
    public int PromptLength { get; init; } = 32;

    /// <summary>Tokens the model writes greedily after each prompt. Default 128.</summary>
    public int ContinuationLength { get; init; } = 128;

    /// <summary>Continuations decoded side by side while writing the data. Default 32.</summary>
    public int GenerationBatch { get; init; } = 32;

    /// <summary>Every problem with the options, empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Steps <= 0) problems.Add($"steps must be positive (got {Steps}).");
        if (BatchSize <= 0) problems.Add($"batch size must be positive (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) problems.Add($"learning rate must be a positive number (got {LearningRate}).");
        if (WarmupSteps < 0 || WarmupSteps > Steps) problems.Add($"warmup steps must be in [0, steps] (got {WarmupSteps}).");
        if (TrainSequences <= 0) problems.Add($"train sequences must be positive (got {TrainSequences}).");
        if (ValidationSequences <= 0) problems.Add($"validation sequences must be positive (got {ValidationSequences}).");
        if (PromptLength <= 0) problems.Add($"prompt length must be positive (got {PromptLength}).");
        if (ContinuationLength < 2) problems.Add($"continuation length must be at least 2, so that a head has a token to predict (got {ContinuationLength}).");
        if (GenerationBatch <= 0) problems.Add($"generation batch must be positive (got {GenerationBatch}).");
        return problems;
    }
}
