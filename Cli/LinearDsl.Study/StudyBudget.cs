using System.Text.Json.Serialization;

namespace LinearDsl.Study;

/// <summary>
/// How much work the study does: training steps (the same for every variant), evaluation, and the size of each
/// measurement. <see cref="Default"/> takes about 45 minutes on 2 cores, <see cref="Quick"/> about 9, and
/// <see cref="Micro"/> (tiny models, see <see cref="StudyShapes"/>) seconds: a smoke test whose figures mean nothing.
/// </summary>
public sealed record StudyBudget
{
    /// <summary>Budget names accepted by --budget.</summary>
    public static IReadOnlyList<string> Names { get; } = ["quick", "default", "micro"];

    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>Whether the models are shrunk to the micro shape.</summary>
    [JsonPropertyName("micro_models")] public bool MicroModels { get; init; }

    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("batch")] public required int Batch { get; init; }
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;
    [JsonPropertyName("min_learning_rate")] public double MinLearningRate { get; init; } = 1e-4;
    /// <summary>Warmup as a fraction of the steps.</summary>
    [JsonPropertyName("warmup_fraction")] public double WarmupFraction { get; init; } = 0.1;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.01;
    [JsonPropertyName("gradient_clip")] public double GradientClip { get; init; } = 1.0;

    /// <summary>Validation loss every this many steps (and after the last), on <see cref="EvalSequences"/> sequences.</summary>
    [JsonPropertyName("eval_every")] public required int EvalEvery { get; init; }
    [JsonPropertyName("eval_sequences")] public required int EvalSequences { get; init; }

    /// <summary>Validation sequences of the final perplexity; null for all of them.</summary>
    [JsonPropertyName("final_eval_sequences")] public int? FinalEvalSequences { get; init; }

    /// <summary>Validation sequences of the generation check (teacher-forced vs token-by-token loss).</summary>
    [JsonPropertyName("generation_sequences")] public required int GenerationSequences { get; init; }

    /// <summary>Steps of the fixed draft's training (same optimizer settings).</summary>
    [JsonPropertyName("draft_steps")] public required int DraftSteps { get; init; }

    /// <summary>Contexts (tokens already in the state) at which decode latency and state bytes are measured.</summary>
    [JsonPropertyName("decode_contexts")] public required IReadOnlyList<int> DecodeContexts { get; init; }
    [JsonPropertyName("decode_warmup_steps")] public required int DecodeWarmupSteps { get; init; }
    [JsonPropertyName("decode_timed_steps")] public required int DecodeTimedSteps { get; init; }

    /// <summary>Prompt tokens (from the validation text) and new tokens of the speculative-decoding comparison.</summary>
    [JsonPropertyName("prompt_tokens")] public required int PromptTokens { get; init; }
    [JsonPropertyName("new_tokens")] public required int NewTokens { get; init; }
    [JsonPropertyName("draft_tokens")] public int DraftTokens { get; init; } = 3;
    /// <summary>Timed runs of plain and of speculative decoding per variant (alternating; the median is reported).</summary>
    [JsonPropertyName("speculative_runs")] public required int SpeculativeRuns { get; init; }

    /// <summary>Greedy tokens of the sample text per variant.</summary>
    [JsonPropertyName("sample_tokens")] public required int SampleTokens { get; init; }

    /// <summary>Tokens of training per variant: steps x batch x context.</summary>
    public long TrainingTokens(int context) => (long)Steps * Batch * context;

    /// <summary>Warmup steps.</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps => (int)Math.Round(Steps * WarmupFraction);

    /// <summary>About 45 minutes on 2 cores: 1000 steps x 16 x 256 tokens (4.1 M, about one pass over the bundled corpus) per variant.</summary>
    public static StudyBudget Default { get; } = new()
    {
        Name = "default", Steps = 1000, Batch = 16, EvalEvery = 50, EvalSequences = 96, GenerationSequences = 16, DraftSteps = 1000,
        DecodeContexts = [512, 2048, 8192], DecodeWarmupSteps = 10, DecodeTimedSteps = 100,
        PromptTokens = 32, NewTokens = 192, SpeculativeRuns = 3, SampleTokens = 200,
    };

    /// <summary>About 9 minutes on 2 cores: 200 steps x 16 x 256 tokens (0.8 M) per variant.</summary>
    public static StudyBudget Quick { get; } = new()
    {
        Name = "quick", Steps = 200, Batch = 16, EvalEvery = 25, EvalSequences = 48, FinalEvalSequences = 128, GenerationSequences = 8, DraftSteps = 200,
        DecodeContexts = [512, 2048, 8192], DecodeWarmupSteps = 5, DecodeTimedSteps = 40,
        PromptTokens = 32, NewTokens = 128, SpeculativeRuns = 2, SampleTokens = 120,
    };

    /// <summary>Seconds: tiny models, a few steps, short decode contexts. A smoke test of the command; its figures mean nothing.</summary>
    public static StudyBudget Micro { get; } = new()
    {
        Name = "micro", MicroModels = true, Steps = 4, Batch = 4, LearningRate = 3e-3, MinLearningRate = 3e-4, EvalEvery = 2, EvalSequences = 2,
        FinalEvalSequences = 4, GenerationSequences = 2, DraftSteps = 2,
        DecodeContexts = [16, 48], DecodeWarmupSteps = 1, DecodeTimedSteps = 3,
        PromptTokens = 8, NewTokens = 12, SpeculativeRuns = 1, SampleTokens = 12,
    };

    /// <summary>The budget called <paramref name="name"/>.</summary>
    /// <exception cref="StudyException">The name is unknown.</exception>
    public static StudyBudget Named(string name) => name.Trim().ToLowerInvariant() switch
    {
        "default" => Default,
        "quick" => Quick,
        "micro" => Micro,
        _ => throw new StudyException($"unknown --budget '{name}'; use one of {string.Join(", ", Names)}."),
    };
}
