using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Diagnostics;

namespace LinearDsl.Benchmarks;

/// <summary>One measured figure, written as one JSON object.</summary>
public sealed record Measurement
{
    [JsonPropertyName("benchmark")] public required string Benchmark { get; init; }
    [JsonPropertyName("mixer")] public required string Mixer { get; init; }
    [JsonPropertyName("context")] public long Context { get; init; }
    [JsonPropertyName("ms")] public double Ms { get; init; }
    [JsonPropertyName("unit")] public required string Unit { get; init; }
    [JsonPropertyName("state_bytes")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? StateBytes { get; init; }
    [JsonPropertyName("samples")] public int Samples { get; init; }
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public required string Commit { get; init; }
}

/// <summary>A performance target checked against figures of the same run (a ratio, so machine noise mostly cancels).</summary>
public sealed record TargetCheck
{
    [SuppressMessage("Performance", "CA1822", Justification = "An instance property, so that System.Text.Json writes it into every row.")]
    [JsonPropertyName("benchmark")] public string Benchmark => "target";
    [JsonPropertyName("target")] public required string Target { get; init; }
    [JsonPropertyName("value")] public double Value { get; init; }
    [JsonPropertyName("limit")] public double Limit { get; init; }
    [JsonPropertyName("met")] public bool Met { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public required string Commit { get; init; }
}
