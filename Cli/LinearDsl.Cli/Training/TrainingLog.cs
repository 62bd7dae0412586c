using System.Text.Json.Serialization;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Cli;

/// <summary>training-log.json next to a trained model: the settings, every step's loss and learning rate, every evaluation, and the run's figures.</summary>
public sealed record TrainingLog
{
    /// <summary>File name in the output directory.</summary>
    public const string FileName = "training-log.json";

    [JsonPropertyName("command")] public required string Command { get; init; }
    /// <summary>"config FILE", "checkpoint DIR" or "resumed from DIR".</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("target")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Target { get; init; }
    [JsonPropertyName("corpus")] public required string Corpus { get; init; }
    [JsonPropertyName("tokenizer")] public required string Tokenizer { get; init; }
    [JsonPropertyName("context")] public int Context { get; init; }
    [JsonPropertyName("train_sequences")] public int TrainSequences { get; init; }
    [JsonPropertyName("validation_sequences")] public int ValidationSequences { get; init; }
    [JsonPropertyName("options")] public required TrainingLogOptions Options { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("resumed_at_step")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ResumedAtStep { get; init; }
    /// <summary>Training loss (nats per token) of every step, first to last, including steps before a resume.</summary>
    [JsonPropertyName("losses")] public required IReadOnlyList<double> Losses { get; init; }
    [JsonPropertyName("learning_rates")] public required IReadOnlyList<double> LearningRates { get; init; }
    [JsonPropertyName("evaluations")] public required IReadOnlyList<TrainingLogEvaluation> Evaluations { get; init; }
    [JsonPropertyName("final_train_loss")] public double FinalTrainLoss { get; init; }
    [JsonPropertyName("validation_loss")] public double? ValidationLoss { get; init; }
    [JsonPropertyName("validation_perplexity")] public double? ValidationPerplexity { get; init; }
    /// <summary>Wall time of this invocation (after a resume: of the resumed part).</summary>
    [JsonPropertyName("wall_time_seconds")] public double WallTimeSeconds { get; init; }
    [JsonPropertyName("tokens_per_second")] public double TokensPerSecond { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("commit")] public required string Commit { get; init; }
}

/// <summary>The training options of a run, as given on the command line.</summary>
public sealed record TrainingLogOptions
{
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("batch")] public int Batch { get; init; }
    [JsonPropertyName("lr")] public double LearningRate { get; init; }
    [JsonPropertyName("warmup")] public int Warmup { get; init; }
    [JsonPropertyName("min_lr")] public double MinLearningRate { get; init; }
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; }
    [JsonPropertyName("clip")] public double? Clip { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("validation")] public double Validation { get; init; }
    [JsonPropertyName("eval_every")] public int? EvalEvery { get; init; }
    [JsonPropertyName("eval_sequences")] public int? EvalSequences { get; init; }
    [JsonPropertyName("checkpoint_every")] public int? CheckpointEvery { get; init; }
    [JsonPropertyName("kl_temperature")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? KlTemperature { get; init; }
    [JsonPropertyName("next_token_weight")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? NextTokenWeight { get; init; }
}

/// <summary>One validation result in the log.</summary>
public sealed record TrainingLogEvaluation
{
    [JsonPropertyName("step")] public int Step { get; init; }
    [JsonPropertyName("loss")] public double Loss { get; init; }
    [JsonPropertyName("perplexity")] public double Perplexity { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("kl_to_target")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? KlToTarget { get; init; }

    public static TrainingLogEvaluation From(EvaluationResult e) => new()
    {
        Step = e.Step, Loss = e.MeanNll, Perplexity = e.Perplexity, Tokens = e.Tokens, KlToTarget = e.DistillationKl,
    };
}
