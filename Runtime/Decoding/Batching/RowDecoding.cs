using System.Diagnostics;

namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>
/// One request's part of a <see cref="BatchedDecode"/>: its options, random stream, tokens, stop state, draft length and
/// counters. These are exactly what a one-row <see cref="DecodingSession"/> keeps for its row, applied the same way, so
/// that a row's tokens do not depend on the rows beside it.
/// </summary>
internal sealed class RowDecoding
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly List<long> _generated = [];
    long _roundTokens;

    public RowDecoding(GenerationOptions options, int draftTokens)
    {
        Options = options;
        DraftTokens = draftTokens;
        // The stream of row 0 of a session with this seed (DecodingSession's derivation), so a row samples as it would alone.
        Random = new Random(unchecked(options.Seed * 1_000_003));
        if (options.MaxNewTokens == 0) Finished = FinishReason.Length;
    }

    public GenerationOptions Options { get; }

    public Random Random { get; }

    /// <summary>Draft tokens of the row's next round (its own, adapted by its own acceptance).</summary>
    public int DraftTokens { get; set; }

    public IReadOnlyList<long> Generated => _generated;

    public FinishReason? Finished { get; private set; }

    public DecodingStatistics Statistics { get; } = new();

    /// <summary>Ends the row before its next round.</summary>
    public void Stop() => Finished ??= FinishReason.Stopped;

    /// <summary>How many of a round's tokens the row keeps: up to its end of text, a stop sequence or its last allowed token (at least one).</summary>
    public int Kept(IReadOnlyList<long> tokens)
    {
        int room = Math.Max(1, Options.MaxNewTokens - _generated.Count);
        int kept = Math.Min(tokens.Count, room);
        if (Options.EndOfTextToken is long eot)
        {
            for (int i = 0; i < kept; i++)
            {
                if (tokens[i] == eot)
                {
                    kept = i + 1;
                    break;
                }
            }
        }
        return StopTokens.Kept(Options, _generated, tokens, kept);
    }

    /// <summary>Takes a round's proposal, applying the stop conditions as <see cref="DecodingSession.NextRound"/> does; returns the tokens emitted.</summary>
    public IReadOnlyList<long> Emit(IReadOnlyList<long> proposal)
    {
        var emitted = new List<long>(proposal.Count);
        foreach (long token in proposal)
        {
            _generated.Add(token);
            emitted.Add(token);
            if (Options.EndOfTextToken == token) Finished = FinishReason.EndOfText;
            else if (StopTokens.EndsWithStop(Options, _generated, [], 0)) Finished = FinishReason.Stopped;
            else if (_generated.Count >= Options.MaxNewTokens) Finished = FinishReason.Length;
            if (Finished is not null) break;
        }
        Statistics.TokensGenerated += emitted.Count;
        if (emitted.Count > 0) Statistics.TimeToFirstToken ??= _clock.Elapsed;
        Statistics.Rounds++;
        _roundTokens += proposal.Count;
        Statistics.MeanAcceptedLength = (double)_roundTokens / Statistics.Rounds;
        Statistics.Elapsed = _clock.Elapsed;
        return emitted;
    }

    /// <summary>The draft length after a round that accepted <paramref name="accepted"/> of <paramref name="m"/> (adaptive: as a session adapts).</summary>
    public void Adapt(SpeculationOptions speculation, int accepted, int m)
    {
        if (!speculation.Adaptive) return;
        int next = accepted == m ? m + 1 : accepted + 1;
        DraftTokens = Math.Clamp(next, speculation.MinDraftTokens, speculation.MaxDraftTokens);
    }
}
