using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>The model to train, the optimizer and schedule, and where results go (train and distill-draft).</summary>
public class TrainingSettings : CorpusSettings
{
    [CommandOption("--config <FILE>")]
    [Description("Model config JSON (the config.json that Checkpoint.Save writes) of a new model, trained from scratch with weights seeded by --seed.")]
    public string? Config { get; set; }

    [CommandOption("--from <DIR>")]
    [Description("Checkpoint directory (config.json + model.safetensors) to fine-tune instead of starting from scratch.")]
    public string? From { get; set; }

    [CommandOption("--out <DIR>")]
    [Description("Output directory: the final model (config.json + model.safetensors), training-log.json, loss.png, and training checkpoints under DIR/checkpoints.")]
    public string Out { get; set; } = string.Empty;

    [CommandOption("--resume")]
    [Description("Continue the run from the latest training checkpoint in DIR/checkpoints, exactly (same losses as an uninterrupted run). Pass the same training options; --config/--from are then not read.")]
    public bool Resume { get; set; }

    [CommandOption("--steps <N>")]
    [Description("Optimizer steps of the whole run.")]
    [DefaultValue(1000)]
    public int Steps { get; set; } = 1000;

    [CommandOption("--lr <RATE>")]
    [Description("Peak learning rate (AdamW), reached at the end of the warmup, then cosine decay to --min-lr at the last step.")]
    [DefaultValue(3e-4)]
    public double LearningRate { get; set; } = 3e-4;

    [CommandOption("--warmup <N>")]
    [Description("Steps of linear warmup.")]
    [DefaultValue(0)]
    public int Warmup { get; set; }

    [CommandOption("--min-lr <RATE>")]
    [Description("Learning rate at the last step.")]
    [DefaultValue(0.0)]
    public double MinLearningRate { get; set; }

    [CommandOption("--weight-decay <W>")]
    [Description("AdamW's decoupled weight decay (matrices and embeddings only).")]
    [DefaultValue(0.01)]
    public double WeightDecay { get; set; } = 0.01;

    [CommandOption("--clip <NORM>")]
    [Description("Clip the global L2 norm of the gradients to NORM; 0 turns clipping off.")]
    [DefaultValue(1.0)]
    public double Clip { get; set; } = 1.0;

    [CommandOption("--seed <N>")]
    [Description("Seed of the new model's weights and of the batch order: the same seed and options give the same loss curve.")]
    [DefaultValue(0)]
    public int Seed { get; set; }

    [CommandOption("--eval-every <N>")]
    [Description("Evaluate validation perplexity every N steps (always after the last). Default: only after the last.")]
    public int? EvalEvery { get; set; }

    [CommandOption("--eval-sequences <N>")]
    [Description("Evaluate on at most N validation sequences (the first ones). Default: all of them.")]
    public int? EvalSequences { get; set; }

    [CommandOption("--checkpoint-every <N>")]
    [Description("Write a training checkpoint (model, optimizer, position) to DIR/checkpoints every N steps (always after the last). Default: only after the last.")]
    public int? CheckpointEvery { get; set; }

    /// <summary>The command's name in messages ("train" or "distill-draft").</summary>
    protected virtual string CommandName => "train";

    public override ValidationResult Validate()
    {
        var basic = base.Validate();
        if (!basic.Successful) return basic;
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error($"{CommandName} needs --out DIR, where the trained model, its log and its loss curve are written.");
        if (Config is not null && From is not null) return ValidationResult.Error("give either --config FILE (a new model) or --from DIR (fine-tuning), not both.");
        if (Config is null && From is null && !Resume)
            return ValidationResult.Error($"{CommandName} needs a model: --config FILE (a new model from a config.json) or --from DIR (a checkpoint to fine-tune), or --resume to continue a run in --out.");
        if (Steps < 1) return ValidationResult.Error($"--steps must be at least 1 (got {Steps}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) return ValidationResult.Error($"--lr must be a positive number (got {LearningRate}).");
        if (!(MinLearningRate >= 0 && MinLearningRate <= LearningRate)) return ValidationResult.Error($"--min-lr must be between 0 and --lr (got {MinLearningRate}).");
        if (Warmup < 0 || Warmup > Steps) return ValidationResult.Error($"--warmup must be between 0 and --steps (got {Warmup}).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) return ValidationResult.Error($"--weight-decay must be 0 or more (got {WeightDecay}).");
        if (!(Clip >= 0) || double.IsInfinity(Clip)) return ValidationResult.Error($"--clip must be 0 (off) or a positive norm (got {Clip}).");
        if (Seed < 0) return ValidationResult.Error($"--seed must be 0 or more (got {Seed}).");
        if (EvalEvery is < 1) return ValidationResult.Error($"--eval-every must be at least 1 (got {EvalEvery}).");
        if (EvalSequences is < 1) return ValidationResult.Error($"--eval-sequences must be at least 1 (got {EvalSequences}).");
        if (CheckpointEvery is < 1) return ValidationResult.Error($"--checkpoint-every must be at least 1 (got {CheckpointEvery}).");
        return ValidationResult.Success();
    }
}
