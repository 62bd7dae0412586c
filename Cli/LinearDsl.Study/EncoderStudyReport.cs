using System.Text.Json.Serialization;

namespace LinearDsl.Study;

/// <summary>study-encoders.json: the masked-LM comparison of attentions in an encoder.</summary>
public sealed record EncoderStudyReport : StudyRunHeader
{
    /// <summary>A report to fill in (JSON reads it this way).</summary>
    public EncoderStudyReport()
    {
    }

    /// <summary>A report that opens with <paramref name="header"/>.</summary>
    public EncoderStudyReport(StudyRunHeader header)
        : base(header)
    {
    }

    public const string FileName = "study-encoders.json";

    [JsonPropertyName("budget")] public required EncoderStudyBudget Budget { get; init; }
    [JsonPropertyName("training_tokens_per_variant")] public long TrainingTokensPerVariant { get; init; }
    [JsonPropertyName("mask_rate")] public double MaskRate { get; init; }
    [JsonPropertyName("reference_parameters")] public long ReferenceParameters { get; init; }
    [JsonPropertyName("causal_study")] public CausalStudyRanks? CausalStudy { get; init; }
    [JsonPropertyName("variants")] public required IReadOnlyList<EncoderVariantReport> Variants { get; init; }
    [JsonPropertyName("findings")] public required IReadOnlyList<StudyFinding> Findings { get; init; }
}

/// <summary>One encoder variant's results.</summary>
public sealed record EncoderVariantReport
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("group")] public required string Group { get; init; }
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    /// <summary>Whether the encoder's mixer reads later tokens (its bidirectional form).</summary>
    [JsonPropertyName("bidirectional")] public bool Bidirectional { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("parameter_deviation")] public double ParameterDeviation { get; init; }
    [JsonPropertyName("training")] public required StudyTraining Training { get; init; }
    [JsonPropertyName("validation")] public required MaskedValidation Validation { get; init; }
    /// <summary>1 for the lowest validation loss of this run.</summary>
    [JsonPropertyName("rank")] public int Rank { get; init; }
    [JsonPropertyName("checkpoint")] public string Checkpoint { get; init; } = string.Empty;
}

/// <summary>Masked-LM results on held-out text: over the masked positions only.</summary>
public sealed record MaskedValidation
{
    [JsonPropertyName("loss")] public double Loss { get; init; }
    [JsonPropertyName("perplexity")] public double Perplexity { get; init; }
    [JsonPropertyName("accuracy")] public double Accuracy { get; init; }
    [JsonPropertyName("masked_tokens")] public long MaskedTokens { get; init; }
    [JsonPropertyName("sequences")] public int Sequences { get; init; }
}

/// <summary>The decoder-only ranks the findings compare with: each variant's place by validation perplexity in the causal study's report.</summary>
public sealed record CausalStudyRanks
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("commit")] public string Commit { get; init; } = string.Empty;
    [JsonPropertyName("perplexity")] public required IReadOnlyDictionary<string, double> Perplexity { get; init; }
}

/// <summary>study-seq2seq.json: the span-corruption comparison of attentions in an encoder-decoder.</summary>
public sealed record Seq2SeqStudyReport : StudyRunHeader
{
    /// <summary>A report to fill in (JSON reads it this way).</summary>
    public Seq2SeqStudyReport()
    {
    }

    /// <summary>A report that opens with <paramref name="header"/>.</summary>
    public Seq2SeqStudyReport(StudyRunHeader header)
        : base(header)
    {
    }

    public const string FileName = "study-seq2seq.json";

    [JsonPropertyName("budget")] public required EncoderStudyBudget Budget { get; init; }
    [JsonPropertyName("training_tokens_per_variant")] public long TrainingTokensPerVariant { get; init; }
    [JsonPropertyName("source_length")] public int SourceLength { get; init; }
    [JsonPropertyName("target_length")] public int TargetLength { get; init; }
    [JsonPropertyName("spans_per_example")] public int SpansPerExample { get; init; }
    [JsonPropertyName("reference_parameters")] public long ReferenceParameters { get; init; }
    [JsonPropertyName("causal_study")] public CausalStudyRanks? CausalStudy { get; init; }
    [JsonPropertyName("draft")] public required Seq2SeqDraftReport Draft { get; init; }
    [JsonPropertyName("variants")] public required IReadOnlyList<Seq2SeqVariantReport> Variants { get; init; }
    [JsonPropertyName("findings")] public required IReadOnlyList<StudyFinding> Findings { get; init; }
}

/// <summary>The seq2seq draft of speculative decoding.</summary>
public sealed record Seq2SeqDraftReport
{
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("validation_loss")] public double ValidationLoss { get; init; }
    [JsonPropertyName("validation_perplexity")] public double ValidationPerplexity { get; init; }
}

/// <summary>One seq2seq variant's results.</summary>
public sealed record Seq2SeqVariantReport
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("group")] public required string Group { get; init; }
    [JsonPropertyName("declared_as")] public required string DeclaredAs { get; init; }
    [JsonPropertyName("description")] public required string Description { get; init; }
    [JsonPropertyName("encoder_bidirectional")] public bool EncoderBidirectional { get; init; }
    [JsonPropertyName("cross_attention")] public required string CrossAttention { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("parameter_deviation")] public double ParameterDeviation { get; init; }
    [JsonPropertyName("training")] public required StudyTraining Training { get; init; }
    [JsonPropertyName("validation")] public required StudyValidation Validation { get; init; }
    [JsonPropertyName("spans")] public required SpanAccuracy Spans { get; init; }
    /// <summary>Bytes of the encoder memory the decoder reads for one source of half and of full length (linear cross-attention: the same).</summary>
    [JsonPropertyName("memory_bytes")] public required IReadOnlyList<long> MemoryBytes { get; init; }
    [JsonPropertyName("speculative")] public required Seq2SeqSpeculative Speculative { get; init; }
    [JsonPropertyName("rank")] public int Rank { get; init; }
    [JsonPropertyName("sample")] public required Seq2SeqSample Sample { get; init; }
    [JsonPropertyName("checkpoint")] public string Checkpoint { get; init; } = string.Empty;
}

/// <summary>Greedy decoding of validation examples: how many cut-out spans come back exactly.</summary>
public sealed record SpanAccuracy
{
    [JsonPropertyName("examples")] public int Examples { get; init; }
    [JsonPropertyName("spans")] public int Spans { get; init; }
    [JsonPropertyName("exact")] public int Exact { get; init; }
    [JsonPropertyName("accuracy")] public double Accuracy { get; init; }
    /// <summary>Share of target positions where the greedy output equals the target.</summary>
    [JsonPropertyName("token_accuracy")] public double TokenAccuracy { get; init; }
}

/// <summary>Greedy speculative decoding with the draft against plain greedy decoding.</summary>
public sealed record Seq2SeqSpeculative
{
    [JsonPropertyName("examples")] public int Examples { get; init; }
    [JsonPropertyName("identical")] public bool Identical { get; init; }
    [JsonPropertyName("acceptance_rate")] public double AcceptanceRate { get; init; }
    [JsonPropertyName("draft_tokens")] public int DraftTokens { get; init; }
}

/// <summary>The first validation example: source, expected target and greedy output, as text (sentinels as &lt;s0&gt;, ...).</summary>
public sealed record Seq2SeqSample
{
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("expected")] public required string Expected { get; init; }
    [JsonPropertyName("predicted")] public required string Predicted { get; init; }
}
