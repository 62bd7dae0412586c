using System.Text.Json.Serialization;

namespace LinearDsl.Study;

/// <summary>linearize.json: the settings of a linearization study, the teacher, every linear variant's runs and the comparison with the paper.</summary>
public sealed record LinearizeReport : StudyRunHeader
{
    /// <summary>A report to fill in (JSON reads it this way).</summary>
    public LinearizeReport()
    {
    }

    /// <summary>A report that opens with <paramref name="header"/>.</summary>
    public LinearizeReport(StudyRunHeader header)
        : base(header)
    {
    }

    /// <summary>File name in the output folder.</summary>
    public const string FileName = "linearize.json";

    [JsonPropertyName("budget")] public required LinearizeBudget Budget { get; init; }
    [JsonPropertyName("pretraining_tokens")] public long PretrainingTokens { get; init; }
    [JsonPropertyName("teacher")] public required LinearizeTeacherReport Teacher { get; init; }
    [JsonPropertyName("variants")] public required IReadOnlyList<LinearizeVariantReport> Variants { get; init; }
    [JsonPropertyName("findings")] public required IReadOnlyList<StudyFinding> Findings { get; init; }

    /// <summary>The variant with <paramref name="key"/>, or null when it was not part of the run.</summary>
    public LinearizeVariantReport? this[string key] => Variants.FirstOrDefault(v => v.Key == key);
}

/// <summary>The pretrained softmax model every variant is linearized from.</summary>
public sealed record LinearizeTeacherReport
{
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("training")] public required StudyTraining Training { get; init; }
    [JsonPropertyName("validation")] public required StudyValidation Validation { get; init; }
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }
    /// <summary>
    /// The teacher trained on for the largest fine-tuning fraction (recipe (a)'s settings): how much of a linearized
    /// model's progress past the teacher is merely more training.
    /// </summary>
    [JsonPropertyName("continued")] public LinearizeRunReport? Continued { get; init; }
}

/// <summary>One linear variant: the teacher linearized into it, fine-tuned by both recipes at each fraction, and trained from scratch.</summary>
public sealed record LinearizeVariantReport
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    /// <summary>The linearized architecture: the teacher's, with this variant's token mixer.</summary>
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    /// <summary>Parameters the linearization added (the new mixers': alpha, conv, feature maps).</summary>
    [JsonPropertyName("mixer_parameters")] public long MixerParameters { get; init; }
    /// <summary>The linearized model before any training (weights reused, alpha and the conv at zero).</summary>
    [JsonPropertyName("linearized")] public required StudyValidation Linearized { get; init; }
    /// <summary>Mean per-layer MSE between the linearized and the teacher's attention outputs on validation text, before attention transfer.</summary>
    [JsonPropertyName("attention_mse")] public double AttentionMse { get; init; }
    [JsonPropertyName("transfer")] public LinearizeTransferReport? Transfer { get; init; }
    /// <summary>Why there was no attention transfer (the mixer has no parameters), when there was none.</summary>
    [JsonPropertyName("transfer_skipped")] public string? TransferSkipped { get; init; }
    [JsonPropertyName("runs")] public required IReadOnlyList<LinearizeRunReport> Runs { get; init; }
    [JsonPropertyName("scratch")] public required LinearizeRunReport Scratch { get; init; }
    [JsonPropertyName("draft")] public LinearizeDraftReport? Draft { get; init; }
    [JsonPropertyName("speculative")] public SpeculativeComparison? Speculative { get; init; }

    /// <summary>The run of <paramref name="recipe"/> at <paramref name="fraction"/>, if any.</summary>
    public LinearizeRunReport? Run(string recipe, double fraction) => Runs.FirstOrDefault(r => r.Recipe == recipe && r.Fraction == fraction);
}

/// <summary>Recipe (b)'s first stage.</summary>
public sealed record LinearizeTransferReport
{
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("trainable_parameters")] public long TrainableParameters { get; init; }
    [JsonPropertyName("losses")] public required IReadOnlyList<double> Losses { get; init; }
    /// <summary>The attention MSE on the same validation text after the transfer.</summary>
    [JsonPropertyName("attention_mse_after")] public double AttentionMseAfter { get; init; }
    /// <summary>The model right after the transfer, before LoRA.</summary>
    [JsonPropertyName("validation_after")] public required StudyValidation ValidationAfter { get; init; }
    [JsonPropertyName("wall_time_seconds")] public double WallTimeSeconds { get; init; }
}

/// <summary>One training of a variant: a recipe at a fraction of the pretraining budget, or from scratch.</summary>
public sealed record LinearizeRunReport
{
    /// <summary>Recipe names in the report.</summary>
    public const string FullFineTune = "full", TransferLora = "transfer+lora", Scratch = "scratch", TeacherContinued = "softmax-continued";

    /// <summary>"full" (a), "transfer+lora" (b), "scratch", or "softmax-continued" (the teacher trained on).</summary>
    [JsonPropertyName("recipe")] public required string Recipe { get; init; }
    /// <summary>Training steps as a fraction of the pretraining's (from scratch: pretraining plus the largest fine-tuning).</summary>
    [JsonPropertyName("fraction")] public double Fraction { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    /// <summary>Tokens this model has been trained on in all, the teacher's pretraining included for a linearized one.</summary>
    [JsonPropertyName("total_tokens")] public long TotalTokens { get; init; }
    /// <summary>Parameters this recipe updates (all of them; or the mixer's and the adapters').</summary>
    [JsonPropertyName("trainable_parameters")] public long TrainableParameters { get; init; }
    [JsonPropertyName("training")] public required StudyTraining Training { get; init; }
    [JsonPropertyName("validation")] public required StudyValidation Validation { get; init; }
    /// <summary>(linearized loss - this loss) / (linearized loss - teacher loss): 1 matches the teacher; null when the linearized model started less than <see cref="LinearizeFindings.MinimumGap"/> above the teacher.</summary>
    [JsonPropertyName("gap_recovered")] public double? GapRecovered { get; init; }
    /// <summary>Training wall time (recipe (b): the transfer included).</summary>
    [JsonPropertyName("wall_time_seconds")] public double WallTimeSeconds { get; init; }
}

/// <summary>The draft distilled from a variant's linearized model for the speculative comparison.</summary>
public sealed record LinearizeDraftReport
{
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    /// <summary>The run it was distilled from (recipe and fraction).</summary>
    [JsonPropertyName("distilled_from")] public required string DistilledFrom { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("validation")] public required StudyValidation Validation { get; init; }
    [JsonPropertyName("wall_time_seconds")] public double WallTimeSeconds { get; init; }
}
