using System.Text.Json.Serialization;

namespace LinearDsl.Study;

/// <summary>
/// How much work <c>study --encoders</c> or <c>study --seq2seq</c> does: training steps (the same for every variant),
/// evaluation, and (seq2seq) the greedy decoding of validation examples and the draft. <see cref="Encoders"/> and
/// <see cref="Seq2Seq"/> are sized for about 20 minutes each on 2 cores, <see cref="Micro"/> (tiny models) for seconds: a smoke test whose
/// figures mean nothing.
/// </summary>
public sealed record EncoderStudyBudget
{
    /// <summary>Budget names accepted by --budget.</summary>
    public static IReadOnlyList<string> Names { get; } = ["default", "micro"];

    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("micro_models")] public bool MicroModels { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("batch")] public required int Batch { get; init; }
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;
    [JsonPropertyName("min_learning_rate")] public double MinLearningRate { get; init; } = 1e-4;
    [JsonPropertyName("warmup_fraction")] public double WarmupFraction { get; init; } = 0.1;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.01;
    [JsonPropertyName("gradient_clip")] public double GradientClip { get; init; } = 1.0;
    [JsonPropertyName("eval_every")] public required int EvalEvery { get; init; }
    [JsonPropertyName("eval_sequences")] public required int EvalSequences { get; init; }

    /// <summary>Validation sequences of the final measurement; null for all of them.</summary>
    [JsonPropertyName("final_eval_sequences")] public int? FinalEvalSequences { get; init; }

    /// <summary>Seq2seq: validation examples decoded greedily (exact-span accuracy, speculative check).</summary>
    [JsonPropertyName("decode_examples")] public required int DecodeExamples { get; init; }

    /// <summary>Seq2seq: training steps of the draft.</summary>
    [JsonPropertyName("draft_steps")] public required int DraftSteps { get; init; }

    /// <summary>Seq2seq: tokens the draft proposes per round.</summary>
    [JsonPropertyName("draft_tokens")] public int DraftTokens { get; init; } = 3;

    [JsonPropertyName("warmup_steps")] public int WarmupSteps => (int)Math.Round(Steps * WarmupFraction);

    /// <summary>
    /// The encoder study's default, about 20 minutes on 2 cores: 400 steps x 16 x 256 bytes (1.6 M) per variant, about
    /// what the causal study's softmax trains in 2 minutes on one thread (sized from a short run).
    /// </summary>
    public static EncoderStudyBudget Encoders { get; } = new()
    {
        Name = "default", Steps = 400, Batch = 16, EvalEvery = 50, EvalSequences = 32, FinalEvalSequences = 128, DecodeExamples = 0, DraftSteps = 0,
    };

    /// <summary>
    /// The seq2seq study's default, about 20 minutes on 2 cores: 1000 steps x 16 rows of 128 bytes (2.3 M source and
    /// target tokens) per variant and the draft; a seq2seq step of 2 + 2 layers over short rows costs about a third of
    /// an encoder step (sized from a short run); 48 held-out examples decoded.
    /// </summary>
    public static EncoderStudyBudget Seq2Seq { get; } = new()
    {
        Name = "default", Steps = 1000, Batch = 16, EvalEvery = 100, EvalSequences = 32, FinalEvalSequences = 128, DecodeExamples = 48, DraftSteps = 1000,
    };

    /// <summary>Seconds: tiny models, a few steps.</summary>
    public static EncoderStudyBudget Micro { get; } = new()
    {
        Name = "micro", MicroModels = true, Steps = 4, Batch = 4, LearningRate = 3e-3, MinLearningRate = 3e-4, EvalEvery = 2, EvalSequences = 2,
        FinalEvalSequences = 4, DecodeExamples = 2, DraftSteps = 2,
    };

    /// <summary>The budget called <paramref name="name"/>.</summary>
    /// <exception cref="StudyException">The name is unknown.</exception>
    public static EncoderStudyBudget Named(string name, bool seq2seq) => name.Trim().ToLowerInvariant() switch
    {
        "default" => seq2seq ? Seq2Seq : Encoders,
        "micro" => Micro,
        _ => throw new StudyException($"unknown --budget '{name}' for --encoders or --seq2seq; use one of {string.Join(", ", Names)}."),
    };
}

/// <summary>What one <c>study --encoders</c> or <c>study --seq2seq</c> run does.</summary>
public sealed record EncoderStudyOptions : StudyRunOptions
{
    /// <summary>How much to train and measure.</summary>
    public required EncoderStudyBudget Budget { get; init; }

    /// <summary>The committed causal study's report (study.json), whose ranks the findings compare with; null or missing: not compared.</summary>
    public string? CausalStudyPath { get; init; }
}
