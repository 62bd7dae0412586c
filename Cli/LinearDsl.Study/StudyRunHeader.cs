using System.Text.Json.Serialization;

namespace LinearDsl.Study;

/// <summary>
/// The fields every study report opens with: the command, the data and model shape, and where, when and how long it
/// ran. A report derives from it and adds its budget and results; the header comes first in the JSON.
/// </summary>
public record StudyRunHeader
{
    [JsonPropertyOrder(-1), JsonPropertyName("command")] public string Command { get; init; } = string.Empty;
    [JsonPropertyOrder(-1), JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("corpus")] public string Corpus { get; init; } = string.Empty;
    [JsonPropertyOrder(-1), JsonPropertyName("tokenizer")] public string Tokenizer { get; init; } = string.Empty;
    [JsonPropertyOrder(-1), JsonPropertyName("context")] public int Context { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("width")] public int Width { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("layers")] public int Layers { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("train_sequences")] public int TrainSequences { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("validation_sequences")] public int ValidationSequences { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("training_threads")] public int TrainingThreads { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("decoding_threads")] public int DecodingThreads { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("machine")] public string Machine { get; init; } = string.Empty;
    [JsonPropertyOrder(-1), JsonPropertyName("cores")] public int Cores { get; init; }

    /// <summary>
    /// The machine's 1-minute load average (/proc/loadavg) at the start, when training ended and at the end; above the
    /// core count, other work competed with the run (wall time and timings suffer; losses do not).
    /// </summary>
    [JsonPropertyOrder(-1), JsonPropertyName("load_average")] public IReadOnlyList<double> LoadAverage { get; init; } = [];
    [JsonPropertyOrder(-1), JsonPropertyName("commit")] public string Commit { get; init; } = string.Empty;
    [JsonPropertyOrder(-1), JsonPropertyName("started_utc")] public DateTime StartedUtc { get; init; }
    [JsonPropertyOrder(-1), JsonPropertyName("wall_time_seconds")] public double WallTimeSeconds { get; init; }
}
