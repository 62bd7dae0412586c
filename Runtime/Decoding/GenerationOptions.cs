namespace LinearDsl.Runtime.Decoding;

/// <summary>What to generate: how many tokens, when to stop, how to sample.</summary>
public sealed record GenerationOptions
{
    /// <summary>New tokens per row at most. Default 128.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>A token that ends a row (it is emitted, then the row stops). Default none.</summary>
    public long? EndOfTextToken { get; init; }

    /// <summary>
    /// Token sequences that end a row: once its generated tokens end with one of them, the row stops
    /// (<see cref="FinishReason.Stopped"/>) with the sequence emitted, and nothing after it is generated or fed to the
    /// model, so the state ends exactly there (a conversation cache continues it). Default none.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<long>> StopTokenSequences { get; init; } = [];

    /// <summary>Sampling of every token. Default: temperature 1, no top-k, no top-p.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Seed of the random streams (row b uses its own stream derived from it). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be at least 0.");
        ArgumentNullException.ThrowIfNull(Sampling, nameof(Sampling));
        ArgumentNullException.ThrowIfNull(StopTokenSequences, nameof(StopTokenSequences));
        if (StopTokenSequences.Any(sequence => sequence is null || sequence.Count == 0))
            throw new ArgumentException("A stop token sequence is empty; give at least one token per sequence.", nameof(StopTokenSequences));
        Sampling.Validate();
    }
}

/// <summary>How many tokens the draft proposes per round.</summary>
public sealed record SpeculationOptions
{
    /// <summary>Draft tokens per round (m), or the starting value when adaptive. Default 4.</summary>
    public int DraftTokens { get; init; } = 4;

    /// <summary>Grow m by one after a fully accepted round, shrink it to (accepted + 1) after a rejection. Default off.</summary>
    public bool Adaptive { get; init; }

    /// <summary>Smallest m when adaptive. Default 1.</summary>
    public int MinDraftTokens { get; init; } = 1;

    /// <summary>Largest m when adaptive. Default 8.</summary>
    public int MaxDraftTokens { get; init; } = 8;

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (MinDraftTokens < 1) throw new ArgumentOutOfRangeException(nameof(MinDraftTokens), MinDraftTokens, "MinDraftTokens must be at least 1.");
        if (MaxDraftTokens < MinDraftTokens)
            throw new ArgumentOutOfRangeException(nameof(MaxDraftTokens), MaxDraftTokens, $"MaxDraftTokens must be at least MinDraftTokens ({MinDraftTokens}).");
        if (DraftTokens < MinDraftTokens || DraftTokens > MaxDraftTokens)
            throw new ArgumentOutOfRangeException(nameof(DraftTokens), DraftTokens, $"DraftTokens must lie in [{MinDraftTokens}, {MaxDraftTokens}].");
    }
}

/// <summary>Why a row, or a text generation, stopped.</summary>
public enum FinishReason
{
    /// <summary>It generated MaxNewTokens tokens.</summary>
    Length,

    /// <summary>It generated the end-of-text token.</summary>
    EndOfText,

    /// <summary>It was stopped: by a caller (<see cref="DecodingSession.Stop"/>), by one of <see cref="GenerationOptions.StopTokenSequences"/>, or in text generation by a stop sequence.</summary>
    Stopped,
}

/// <summary>New tokens of one row from one decoding round.</summary>
/// <param name="Row">The batch row.</param>
/// <param name="Tokens">Tokens in order (may be empty when the row only finished).</param>
/// <param name="Finished">Why the row stopped, if it stopped in this round.</param>
public sealed record GenerationUpdate(int Row, IReadOnlyList<long> Tokens, FinishReason? Finished);
