using System.Text.Json;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Data;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// trainer.json of a training checkpoint: the step, the batch sampler's position, the history so far and the
/// fingerprint of every setting that shapes the loss curve (a resume with another fingerprint is refused).
/// </summary>
internal sealed record TrainerState
{
    public const int CurrentFormatVersion = 1;

    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required int Step { get; init; }

    public required BatchSamplerState Sampler { get; init; }

    public required IReadOnlyList<double> Losses { get; init; }

    public required IReadOnlyList<EvaluationResult> Evaluations { get; init; }

    public required IReadOnlyDictionary<string, string> Fingerprint { get; init; }

    public string Serialize() => JsonSerializer.Serialize(this, Options) + "\n";

    /// <exception cref="InvalidDataException">The file is not a trainer state of a supported format.</exception>
    public static TrainerState Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing: a training checkpoint holds {TrainingCheckpoint.StateFileName}.", path);
        TrainerState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Options);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not a valid trainer state: {error.Message}", error);
        }
        if (state is null) throw new InvalidDataException($"'{path}' holds null instead of a trainer state.");
        if (state.FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException($"'{path}' has trainer state format {state.FormatVersion}; this build reads format {CurrentFormatVersion}.");
        if (state.Step < 0 || state.Losses.Count != state.Step)
            throw new InvalidDataException($"'{path}' is inconsistent: step {state.Step} with {state.Losses.Count} recorded losses.");
        return state;
    }
}
