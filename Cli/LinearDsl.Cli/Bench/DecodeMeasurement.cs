using System.Text.Json.Serialization;
using LinearDsl.Runtime.Diagnostics;

namespace LinearDsl.Cli;

/// <summary>One measured figure of <c>bench</c>, written as one JSON object.</summary>
public sealed record DecodeMeasurement
{
    /// <summary>"decode" (tokens/s and the speed-up) or "call" (one call of a decoding form, in ms).</summary>
    [JsonPropertyName("benchmark")] public string Benchmark { get; init; } = "decode";
    /// <summary>"plain", "speculative" or "speed_up" (speculative over plain); for calls, the call ("target step", ...).</summary>
    [JsonPropertyName("decoder")] public required string Decoder { get; init; }
    [JsonPropertyName("value")] public double Value { get; init; }
    [JsonPropertyName("unit")] public required string Unit { get; init; }
    [JsonPropertyName("tokens")] public int Tokens { get; init; }
    [JsonPropertyName("runs")] public int Runs { get; init; }
    /// <summary>The speculation mode of a speculative row (chain, tree, heads, heads+draft).</summary>
    [JsonPropertyName("mode")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Mode { get; init; }

    [JsonPropertyName("draft_tokens")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? DraftTokens { get; init; }
    [JsonPropertyName("acceptance_rate")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? AcceptanceRate { get; init; }
    [JsonPropertyName("target_calls")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? TargetCalls { get; init; }
    [JsonPropertyName("target")] public required string Target { get; init; }
    [JsonPropertyName("draft")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Draft { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public required string Commit { get; init; }
}
