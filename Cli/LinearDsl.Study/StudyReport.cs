using System.Text.Json.Serialization;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Study;

/// <summary>study.json: the settings of a study run, every variant's measurements and the comparison with the paper.</summary>
public sealed record StudyReport : StudyRunHeader
{
    /// <summary>A report to fill in (JSON reads it this way).</summary>
    public StudyReport()
    {
    }

    /// <summary>A report that opens with <paramref name="header"/>.</summary>
    public StudyReport(StudyRunHeader header)
        : base(header)
    {
    }

    /// <summary>File name in the output folder.</summary>
    public const string FileName = "study.json";

    [JsonPropertyName("budget")] public required StudyBudget Budget { get; init; }
    [JsonPropertyName("training_tokens_per_variant")] public long TrainingTokensPerVariant { get; init; }
    [JsonPropertyName("reference_parameters")] public long ReferenceParameters { get; init; }
    [JsonPropertyName("draft")] public required StudyDraftReport Draft { get; init; }
    [JsonPropertyName("variants")] public required IReadOnlyList<StudyVariantReport> Variants { get; init; }
    [JsonPropertyName("findings")] public required IReadOnlyList<StudyFinding> Findings { get; init; }

    /// <summary>The variant with <paramref name="key"/>, or null when it was not part of the run.</summary>
    public StudyVariantReport? this[string key] => Variants.FirstOrDefault(v => v.Key == key);
}

/// <summary>The fixed draft of the speculative-decoding comparison.</summary>
public sealed record StudyDraftReport
{
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("validation_loss")] public double ValidationLoss { get; init; }
    [JsonPropertyName("validation_perplexity")] public double ValidationPerplexity { get; init; }
    [JsonPropertyName("wall_time_seconds")] public double WallTimeSeconds { get; init; }
    /// <summary>Plain greedy decoding of the draft alone, on the speculative runs' prompt and length (median tokens/s).</summary>
    [JsonPropertyName("plain_tokens_per_second")] public double PlainTokensPerSecond { get; init; }
}

/// <summary>Everything measured for one variant.</summary>
public sealed record StudyVariantReport
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("group")] public required string Group { get; init; }
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("mlp_hidden")] public int MlpHidden { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    /// <summary>Relative difference of the parameter count from the softmax reference's.</summary>
    [JsonPropertyName("parameter_deviation")] public double ParameterDeviation { get; init; }
    [JsonPropertyName("training")] public required StudyTraining Training { get; init; }
    [JsonPropertyName("validation")] public required StudyValidation Validation { get; init; }
    [JsonPropertyName("generation_check")] public required GenerationCheck GenerationCheck { get; init; }
    [JsonPropertyName("causality")] public required StudyCausality Causality { get; init; }
    /// <summary>Decode latency and state bytes per context; null when the model cannot decode (see <see cref="DecodeUnsupported"/>).</summary>
    [JsonPropertyName("decode")] public IReadOnlyList<DecodePoint>? Decode { get; init; }
    [JsonPropertyName("decode_unsupported")] public string? DecodeUnsupported { get; init; }
    /// <summary>Greedy speculative decoding with the fixed draft; null when the model cannot decode.</summary>
    [JsonPropertyName("speculative")] public SpeculativeComparison? Speculative { get; init; }
    [JsonPropertyName("speculative_unsupported")] public string? SpeculativeUnsupported { get; init; }
    /// <summary>Greedy continuation of the sample prompt.</summary>
    [JsonPropertyName("sample")] public required string Sample { get; init; }
    /// <summary>Where the trained model was saved (config.json + model.safetensors).</summary>
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }
}

/// <summary>The training run of a variant.</summary>
public sealed record StudyTraining
{
    [JsonPropertyName("steps")] public int Steps { get; init; }
    /// <summary>Training loss (nats per token) of every step.</summary>
    [JsonPropertyName("losses")] public required IReadOnlyList<double> Losses { get; init; }
    [JsonPropertyName("evaluations")] public required IReadOnlyList<StudyEvaluation> Evaluations { get; init; }
    [JsonPropertyName("final_train_loss")] public double FinalTrainLoss { get; init; }
    [JsonPropertyName("wall_time_seconds")] public double WallTimeSeconds { get; init; }
    [JsonPropertyName("tokens_per_second")] public double TokensPerSecond { get; init; }
}

/// <summary>Validation loss and perplexity after training (teacher-forced, Forward).</summary>
public sealed record StudyValidation
{
    [JsonPropertyName("loss")] public double Loss { get; init; }
    [JsonPropertyName("perplexity")] public double Perplexity { get; init; }
    [JsonPropertyName("sequences")] public int Sequences { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
}

/// <summary>The causality probe's result: change one token, require every earlier output to stay bit-identical.</summary>
public sealed record StudyCausality
{
    /// <summary>Every form ran and none leaked.</summary>
    [JsonPropertyName("causal")] public bool Causal { get; init; }
    /// <summary>Some form ran and leaked.</summary>
    [JsonPropertyName("leaks")] public bool Leaks { get; init; }
    [JsonPropertyName("length")] public int Length { get; init; }
    [JsonPropertyName("position")] public long Position { get; init; }
    [JsonPropertyName("forms")] public required IReadOnlyList<StudyCausalityForm> Forms { get; init; }

    public static StudyCausality From(CausalityReport report, int length) => new()
    {
        Causal = report.IsCausal,
        Leaks = report.Leaks,
        Length = length,
        Position = report.Position,
        Forms = report.Findings.Select(f => new StudyCausalityForm
        {
            Form = f.Form, Verdict = f.Verdict.ToString().ToLowerInvariant(), FirstLeak = f.FirstLeak, MaxChange = f.MaxChange, Refusal = f.Refusal,
        }).ToArray(),
    };
}

/// <summary>The probe's finding in one form (forward, step, verify).</summary>
public sealed record StudyCausalityForm
{
    [JsonPropertyName("form")] public required string Form { get; init; }
    /// <summary>"causal", "leaks" or "refused".</summary>
    [JsonPropertyName("verdict")] public required string Verdict { get; init; }
    [JsonPropertyName("first_leak")] public long? FirstLeak { get; init; }
    [JsonPropertyName("max_change")] public double? MaxChange { get; init; }
    [JsonPropertyName("refusal")] public string? Refusal { get; init; }
}

/// <summary>How a measured result compares with one of the paper's claims.</summary>
public enum FindingVerdict
{
    [JsonStringEnumMemberName("agrees")] Agrees,
    [JsonStringEnumMemberName("partly agrees")] PartlyAgrees,
    [JsonStringEnumMemberName("disagrees")] Disagrees,
    [JsonStringEnumMemberName("not measured")] NotMeasured,
}

/// <summary>One of the paper's claims, what this run measured about it, and whether the two agree.</summary>
public sealed record StudyFinding
{
    [JsonPropertyName("claim")] public required string Claim { get; init; }
    [JsonPropertyName("measured")] public required string Measured { get; init; }
    [JsonPropertyName("verdict")] [JsonConverter(typeof(JsonStringEnumConverter<FindingVerdict>))] public FindingVerdict Verdict { get; init; }
}

/// <summary>One validation result during a variant's training (the fields of train's log).</summary>
public sealed record StudyEvaluation
{
    [JsonPropertyName("step")] public int Step { get; init; }
    [JsonPropertyName("loss")] public double Loss { get; init; }
    [JsonPropertyName("perplexity")] public double Perplexity { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }

    public static StudyEvaluation From(EvaluationResult e) => new() { Step = e.Step, Loss = e.MeanNll, Perplexity = e.Perplexity, Tokens = e.Tokens };
}
