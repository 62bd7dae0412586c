using System.ComponentModel;
using LinearDsl.Runtime.Modeling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>train-heads</c>.</summary>
public sealed class TrainHeadsSettings : CommandSettings
{
    [CommandOption("--model <DIR>")]
    [Description("Checkpoint directory of the model (float weights) whose Medusa heads are trained; its backbone is not changed.")]
    public string? Model { get; set; }

    [CommandOption("--out <DIR>")]
    [Description("New checkpoint directory: the model with its heads (config.json medusa_heads, weights medusa.{i}.*) and heads-log.json; must not exist, or be empty.")]
    public string Out { get; set; } = string.Empty;

    [CommandOption("--heads <N>")]
    [Description("Medusa heads; head i proposes the token i + 2 positions ahead.")]
    [DefaultValue(4)]
    public int Heads { get; set; } = 4;

    [CommandOption("--head-layers <N>")]
    [Description("Residual blocks h + SiLU(W h + b) per head.")]
    [DefaultValue(1)]
    public int HeadLayers { get; set; } = 1;

    [CommandOption("--float16-heads")]
    [Description("Store the heads' weights in float16 (half their bytes; converted to the model's type on load). Heads only propose tokens, so decoding stays exact.")]
    public bool Float16Heads { get; set; }

    [CommandOption("--steps <N>")]
    [Description("Optimizer steps over the heads.")]
    [DefaultValue(600)]
    public int Steps { get; set; } = 600;

    [CommandOption("--batch <N>")]
    [Description("Continuations per step.")]
    [DefaultValue(16)]
    public int Batch { get; set; } = 16;

    [CommandOption("--lr <RATE>")]
    [Description("AdamW learning rate after warmup (cosine decay to a tenth).")]
    [DefaultValue(1e-3)]
    public double LearningRate { get; set; } = 1e-3;

    [CommandOption("--seed <N>")]
    [Description("Seed of the prompt positions and the batch order.")]
    [DefaultValue(0)]
    public int Seed { get; set; }

    [CommandOption("--sequences <N>")]
    [Description("Greedy continuations the model writes to train on (prompts from the corpus's first nine tenths).")]
    [DefaultValue(256)]
    public int Sequences { get; set; } = 256;

    [CommandOption("--validation-sequences <N>")]
    [Description("Greedy continuations of held-out prompts (the corpus's last tenth) on which each head's accuracy is measured.")]
    [DefaultValue(32)]
    public int ValidationSequences { get; set; } = 32;

    [CommandOption("--prompt-length <N>")]
    [Description("Corpus tokens each continuation starts from.")]
    [DefaultValue(32)]
    public int PromptLength { get; set; } = 32;

    [CommandOption("--continuation <N>")]
    [Description("Tokens the model writes greedily after each prompt.")]
    [DefaultValue(128)]
    public int Continuation { get; set; } = 128;

    [CommandOption("--corpus <FILE>")]
    [Description("UTF-8 text whose passages prompt the continuations. Default: the bundled " + BundledCorpus.CorpusPath + ".")]
    public string? Corpus { get; set; }

    [CommandOption("--tokenizer <NAME>")]
    [Description("byte, byte-eot or gpt2. Default: from the model's vocabulary size.")]
    public string? Tokenizer { get; set; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model DIR is required: the checkpoint whose heads are trained.");
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required: the directory to write the model with its heads to.");
        if (Heads is < 1 or > MedusaSpec.MaxCount) return ValidationResult.Error($"--heads must be between 1 and {MedusaSpec.MaxCount} (got {Heads}).");
        if (HeadLayers is < 1 or > MedusaSpec.MaxLayers) return ValidationResult.Error($"--head-layers must be between 1 and {MedusaSpec.MaxLayers} (got {HeadLayers}).");
        if (Steps < 1) return ValidationResult.Error($"--steps must be at least 1 (got {Steps}).");
        if (Batch < 1) return ValidationResult.Error($"--batch must be at least 1 (got {Batch}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) return ValidationResult.Error($"--lr must be a positive number (got {LearningRate}).");
        if (Seed < 0) return ValidationResult.Error($"--seed must be 0 or more (got {Seed}).");
        if (Sequences < 1) return ValidationResult.Error($"--sequences must be at least 1 (got {Sequences}).");
        if (ValidationSequences < 1) return ValidationResult.Error($"--validation-sequences must be at least 1 (got {ValidationSequences}).");
        if (PromptLength < 1) return ValidationResult.Error($"--prompt-length must be at least 1 (got {PromptLength}).");
        if (Continuation < 2) return ValidationResult.Error($"--continuation must be at least 2 (got {Continuation}).");
        return ValidationResult.Success();
    }
}
