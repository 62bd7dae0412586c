using System.Text.Json.Serialization;

namespace LinearDsl.Cli;

/// <summary>The result of <c>eval</c>, written as one JSON object.</summary>
public sealed record EvalMeasurement
{
    [JsonPropertyName("benchmark")] public string Benchmark { get; init; } = "eval";
    [JsonPropertyName("metric")] public string Metric { get; init; } = "perplexity";
    [JsonPropertyName("value")] public double Value { get; init; }
    /// <summary>Perplexity has no physical unit: "perplexity" says what the value is (exp of the mean NLL in nats).</summary>
    [JsonPropertyName("unit")] public string Unit { get; init; } = "perplexity";
    [JsonPropertyName("mean_nll")] public double MeanNll { get; init; }
    [JsonPropertyName("mean_nll_unit")] public string MeanNllUnit { get; init; } = "nats/token";
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("sequences")] public int Sequences { get; init; }
    [JsonPropertyName("context")] public int Context { get; init; }
    /// <summary>"validation" (the tail train holds out) or "all".</summary>
    [JsonPropertyName("split")] public required string Split { get; init; }
    [JsonPropertyName("validation_fraction")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? ValidationFraction { get; init; }
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }
    [JsonPropertyName("corpus")] public required string Corpus { get; init; }
    [JsonPropertyName("tokenizer")] public required string Tokenizer { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("commit")] public required string Commit { get; init; }
}
