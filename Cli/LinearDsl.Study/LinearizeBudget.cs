using System.Text.Json.Serialization;

namespace LinearDsl.Study;

/// <summary>
/// How much work the linearization study does. Every fine-tuning is a fraction of <see cref="PretrainSteps"/> (same batch
/// and context); the from-scratch runs take the pretraining plus the largest fraction, the total tokens that the longest
/// linearized run has seen. <see cref="Default"/> takes about 30 minutes on a 2-core machine with the
/// default three linear variants (an estimate from the study's measured training speed, not a measurement),
/// <see cref="Quick"/> for about 5, and <see cref="Micro"/> (tiny models, see <see cref="StudyShapes"/>) seconds.
/// </summary>
public sealed record LinearizeBudget
{
    /// <summary>Budget names accepted by --budget.</summary>
    public static IReadOnlyList<string> Names { get; } = ["quick", "default", "micro"];

    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>Whether the models are shrunk to the micro shape.</summary>
    [JsonPropertyName("micro_models")] public bool MicroModels { get; init; }

    /// <summary>Steps of the softmax teacher's pretraining (the "pretrained LLM").</summary>
    [JsonPropertyName("pretrain_steps")] public required int PretrainSteps { get; init; }
    [JsonPropertyName("batch")] public required int Batch { get; init; }

    /// <summary>Peak and final learning rate of pretraining and of the from-scratch runs.</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;
    [JsonPropertyName("min_learning_rate")] public double MinLearningRate { get; init; } = 1e-4;

    /// <summary>Fine-tuning budgets as fractions of the pretraining steps (the issue's 10 % and 25 %).</summary>
    [JsonPropertyName("fine_tune_fractions")] public IReadOnlyList<double> FineTuneFractions { get; init; } = [0.10, 0.25];

    /// <summary>Peak learning rate of recipe (a), fine-tuning every weight of the linearized model (it decays to a tenth).</summary>
    [JsonPropertyName("fine_tune_learning_rate")] public double FineTuneLearningRate { get; init; } = 3e-4;

    /// <summary>Peak learning rate of recipe (b)'s LoRA stage (it decays to a tenth).</summary>
    [JsonPropertyName("lora_learning_rate")] public double LoraLearningRate { get; init; } = 1e-3;

    /// <summary>Rank of recipe (b)'s adapters on the q/k/v and output projections (alpha = 2 x rank).</summary>
    [JsonPropertyName("lora_rank")] public int LoraRank { get; init; } = 8;

    /// <summary>Steps of recipe (b)'s attention transfer, and its peak learning rate.</summary>
    [JsonPropertyName("transfer_steps")] public required int TransferSteps { get; init; }
    [JsonPropertyName("transfer_learning_rate")] public double TransferLearningRate { get; init; } = 1e-2;

    [JsonPropertyName("warmup_fraction")] public double WarmupFraction { get; init; } = 0.1;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.01;
    [JsonPropertyName("gradient_clip")] public double GradientClip { get; init; } = 1.0;

    /// <summary>Validation loss every this many steps (and after the last), on <see cref="EvalSequences"/> sequences.</summary>
    [JsonPropertyName("eval_every")] public required int EvalEvery { get; init; }
    [JsonPropertyName("eval_sequences")] public required int EvalSequences { get; init; }

    /// <summary>Validation sequences of each final perplexity; null for all of them.</summary>
    [JsonPropertyName("final_eval_sequences")] public int? FinalEvalSequences { get; init; }

    /// <summary>Steps of each draft's distillation from its linearized model (KL to the target).</summary>
    [JsonPropertyName("draft_steps")] public required int DraftSteps { get; init; }

    /// <summary>Prompt tokens (from the validation text) and new tokens of the speculative-decoding comparison.</summary>
    [JsonPropertyName("prompt_tokens")] public required int PromptTokens { get; init; }
    [JsonPropertyName("new_tokens")] public required int NewTokens { get; init; }
    [JsonPropertyName("draft_tokens")] public int DraftTokens { get; init; } = 3;
    [JsonPropertyName("speculative_runs")] public required int SpeculativeRuns { get; init; }

    /// <summary>Fine-tuning steps for <paramref name="fraction"/> of the pretraining (at least one).</summary>
    public int FineTuneSteps(double fraction) => Math.Max(1, (int)Math.Round(PretrainSteps * fraction));

    /// <summary>Steps of a from-scratch run: the pretraining plus the largest fine-tuning, the same total tokens as the longest linearized run.</summary>
    [JsonPropertyName("scratch_steps")] public int ScratchSteps => PretrainSteps + FineTuneSteps(FineTuneFractions.Max());

    /// <summary>Every problem with the budget (after the command line's overrides), empty when it can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (PretrainSteps < 1) problems.Add($"--pretrain-steps must be at least 1 (got {PretrainSteps}).");
        if (FineTuneFractions.Count == 0 || FineTuneFractions.Any(f => !(f > 0 && f <= 10)))
            problems.Add($"--fractions takes fractions of the pretraining budget above 0 and up to 10, e.g. 0.1,0.25 (got {string.Join(",", FineTuneFractions)}).");
        if (LoraRank < 1 || LoraRank > 1024) problems.Add($"--lora-rank must be between 1 and 1024 (got {LoraRank}).");
        if (TransferSteps < 0) problems.Add($"--transfer-steps must be 0 or more (got {TransferSteps}).");
        if (DraftTokens < 1 || DraftTokens > 16) problems.Add($"--draft-tokens must be between 1 and 16 (got {DraftTokens}).");
        return problems;
    }

    /// <summary>
    /// About 30 minutes on a 2-core machine (measured: 29) with augmented, local-global and Hedgehog: pretraining 500 steps x 16 x 256
    /// tokens (2.0 M); per variant 625 from-scratch steps, 2 x (50 + 125) fine-tuning steps and 40 transfer steps.
    /// </summary>
    public static LinearizeBudget Default { get; } = new()
    {
        Name = "default", PretrainSteps = 500, Batch = 16, TransferSteps = 40, EvalEvery = 50, EvalSequences = 48, DraftSteps = 150,
        PromptTokens = 32, NewTokens = 128, SpeculativeRuns = 2,
    };

    /// <summary>About 10 minutes: pretraining 150 steps; figures that only sketch the default's.</summary>
    public static LinearizeBudget Quick { get; } = new()
    {
        Name = "quick", PretrainSteps = 150, Batch = 16, TransferSteps = 15, EvalEvery = 25, EvalSequences = 32, FinalEvalSequences = 96, DraftSteps = 50,
        PromptTokens = 32, NewTokens = 96, SpeculativeRuns = 1,
    };

    /// <summary>Seconds: tiny models, a few steps. A smoke test of the command; its figures mean nothing.</summary>
    public static LinearizeBudget Micro { get; } = new()
    {
        Name = "micro", MicroModels = true, PretrainSteps = 8, Batch = 4, LearningRate = 3e-3, MinLearningRate = 3e-4,
        LoraRank = 2, TransferSteps = 2, EvalEvery = 2, EvalSequences = 2, FinalEvalSequences = 4, DraftSteps = 2,
        PromptTokens = 8, NewTokens = 12, SpeculativeRuns = 1,
    };

    /// <summary>The budget called <paramref name="name"/>.</summary>
    /// <exception cref="StudyException">The name is unknown.</exception>
    public static LinearizeBudget Named(string name) => name.Trim().ToLowerInvariant() switch
    {
        "default" => Default,
        "quick" => Quick,
        "micro" => Micro,
        _ => throw new StudyException($"unknown --budget '{name}'; use one of {string.Join(", ", Names)}."),
    };
}
