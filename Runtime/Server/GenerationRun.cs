using System.Diagnostics;
using System.Runtime.CompilerServices;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Decoding.Batching;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Server;

/// <summary>
/// Turns one batch row's tokens into text: whole characters, the end-of-text token left out, cut before the first stop
/// sequence (the row is then stopped before its next round).
/// </summary>
internal sealed class GenerationRun(BatchRow row, ITextTokenizer tokenizer, IReadOnlyList<string> stops, long? endOfText, ServerMetrics metrics)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly StopSequenceMatcher _matcher = new(stops);

    public int PromptTokens => row.Prompt.Count;

    /// <summary>The outcome, once <see cref="TextAsync"/> has finished.</summary>
    public BatchRowResult? Result { get; private set; }

    /// <summary>"stop" (end of text or a stop sequence) or "length".</summary>
    public string FinishReason => _matcher.Matched is not null || Result?.FinishReason is Runtime.Decoding.FinishReason.EndOfText or Runtime.Decoding.FinishReason.Stopped ? "stop" : "length";

    /// <summary>Streams the text; a cancelled <paramref name="cancellationToken"/> (the client went away) ends it with an <see cref="OperationCanceledException"/>.</summary>
    public async IAsyncEnumerable<string> TextAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var decoder = tokenizer.CreateStreamingDecoder();
        bool first = true;
        await foreach (var chunk in row.Tokens.ReadAllAsync(cancellationToken))
        {
            metrics.Tokens(chunk.Count);
            // A model may have more ids than its tokenizer (the hosting layer allows it); those ids have no text.
            var tokens = chunk.Where(t => t != endOfText && t < tokenizer.VocabSize).ToArray();
            string released = _matcher.Append(decoder.Append(tokens));
            if (released.Length > 0)
            {
                if (first) metrics.TimeToFirstToken(_clock.Elapsed);
                first = false;
                yield return released;
            }
            if (_matcher.Matched is not null)
            {
                row.Stop();
                break;
            }
        }
        if (_matcher.Matched is null)
        {
            string tail = _matcher.Append(decoder.Flush());
            if (_matcher.Matched is null) tail += _matcher.Flush();
            if (tail.Length > 0) yield return tail;
        }
        Result = await row.Completion.WaitAsync(cancellationToken);
        if (Result.ReusedPromptTokens > 0) metrics.Reused(Result.ReusedPromptTokens);
        if (Result.Statistics.DraftedTokens > 0) metrics.Acceptance(Result.Statistics.AcceptanceRate);
    }

    /// <summary>Usage in OpenAI's shape.</summary>
    public object Usage => new
    {
        prompt_tokens = PromptTokens,
        completion_tokens = Result?.GeneratedTokens ?? 0,
        total_tokens = PromptTokens + (Result?.GeneratedTokens ?? 0),
    };

    /// <summary>LinearDsl's own counters of the request: speculative acceptance and prompt tokens served from the state cache.</summary>
    public object LinearDsl
    {
        get
        {
            var statistics = Result?.Statistics ?? new DecodingStatistics();
            return new
            {
                drafted_tokens = statistics.DraftedTokens,
                accepted_tokens = statistics.AcceptedTokens,
                acceptance_rate = statistics.AcceptanceRate,
                mean_accepted_length = statistics.MeanAcceptedLength,
                target_calls = statistics.TargetCalls,
                reused_prompt_tokens = Result?.ReusedPromptTokens ?? 0,
            };
        }
    }
}
