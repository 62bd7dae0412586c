namespace LinearDsl.Runtime.Decoding;

/// <summary>Counters of one generation request (all rows together).</summary>
public sealed class DecodingStatistics
{
    /// <summary>Tokens emitted over all rows.</summary>
    public long TokensGenerated { get; internal set; }

    /// <summary>Calls of the target model after the prompt (Step or Verify), one per round.</summary>
    public long TargetCalls { get; internal set; }

    /// <summary>Calls of the draft model (0 without speculation).</summary>
    public long DraftCalls { get; internal set; }

    /// <summary>Tokens proposed by the draft over all rows.</summary>
    public long DraftedTokens { get; internal set; }

    /// <summary>Drafted tokens the target accepted.</summary>
    public long AcceptedTokens { get; internal set; }

    /// <summary>Rounds (one target call each).</summary>
    public long Rounds { get; internal set; }

    /// <summary>AcceptedTokens / DraftedTokens (0 when nothing was drafted).</summary>
    public double AcceptanceRate => DraftedTokens == 0 ? 0 : (double)AcceptedTokens / DraftedTokens;

    /// <summary>Tokens emitted per row per target call: accepted drafts plus the one token every round yields.</summary>
    public double MeanAcceptedLength { get; internal set; }

    /// <summary>Wall time from the start of the request (prompt included).</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>Wall time until the first new token.</summary>
    public TimeSpan? TimeToFirstToken { get; internal set; }

    /// <summary>TokensGenerated / Elapsed.</summary>
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? TokensGenerated / Elapsed.TotalSeconds : 0;

    /// <inheritdoc />
    public override string ToString()
        => $"{TokensGenerated} tokens in {Elapsed.TotalMilliseconds:F0} ms ({TokensPerSecond:F1} tokens/s), {TargetCalls} target calls, " +
           $"acceptance {AcceptanceRate:P1}, {MeanAcceptedLength:F2} tokens per target call";
}
