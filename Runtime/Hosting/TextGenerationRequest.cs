namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// Settings of one text generation request. Every value left null takes the configured default
/// (<see cref="LinearDslGenerationOptions"/>); stop sequences are added to the configured ones.
/// </summary>
public sealed record TextGenerationRequest
{
    /// <summary>New tokens at most (0 gives an empty text at once).</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Sampling temperature; 0 is greedy.</summary>
    public double? Temperature { get; init; }

    /// <summary>Keep only the k most likely tokens; 0 keeps all.</summary>
    public int? TopK { get; init; }

    /// <summary>Nucleus sampling threshold in (0, 1].</summary>
    public double? TopP { get; init; }

    /// <summary>Seed of the sampler: the same seed, prompt and settings give the same text.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Texts that end the generation: the output is cut just before the first one that appears, wherever the token
    /// boundaries fall. Matched on the generated text only, not on the prompt.
    /// </summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];
}
