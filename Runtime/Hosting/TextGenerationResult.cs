using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Hosting;

/// <summary>The outcome of a text generation request.</summary>
public sealed record TextGenerationResult
{
    /// <summary>The generated text: cut before a stop sequence, without the end-of-text token's text.</summary>
    public required string Text { get; init; }

    /// <summary>Why the generation ended.</summary>
    public required FinishReason FinishReason { get; init; }

    /// <summary>The stop sequence that ended the text, when <see cref="FinishReason"/> is <see cref="FinishReason.Stopped"/>.</summary>
    public string? StopSequence { get; init; }

    /// <summary>Tokens of the prompt fed to the model.</summary>
    public required int PromptTokenCount { get; init; }

    /// <summary>
    /// Tokens the model generated, including the end-of-text token and any tokens of the last round that came after a
    /// stop sequence (they were computed, so they count as output).
    /// </summary>
    public required int GeneratedTokenCount { get; init; }

    /// <summary>Counters of the decoding (target calls, acceptance, tokens per second, time to first token).</summary>
    public required DecodingStatistics Statistics { get; init; }
}
