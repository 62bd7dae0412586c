using System.Threading.Channels;

namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>
/// One request in a <see cref="ContinuousBatcher"/>: its tokens arrive round by round on <see cref="Tokens"/>, and
/// <see cref="Completion"/> ends with the outcome (or faults with <see cref="OperationCanceledException"/> when the
/// request's token was cancelled, which removes the row before the next round).
/// </summary>
public sealed class BatchRow
{
    readonly Channel<IReadOnlyList<long>> _tokens = Channel.CreateUnbounded<IReadOnlyList<long>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    readonly TaskCompletionSource<BatchRowResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile bool _stopRequested;

    internal BatchRow(long[] prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        Prompt = prompt;
        Options = options;
        CancellationToken = cancellationToken;
    }

    /// <summary>The prompt's tokens.</summary>
    public IReadOnlyList<long> Prompt { get; }

    /// <summary>The request's decoding options.</summary>
    public GenerationOptions Options { get; }

    /// <summary>Cancelling it removes the row within one decoding round.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The tokens of each round that gave this row any (the end-of-text token included when generated).</summary>
    public ChannelReader<IReadOnlyList<long>> Tokens => _tokens.Reader;

    /// <summary>The outcome, once the row has left the batch.</summary>
    public Task<BatchRowResult> Completion => _completion.Task;

    /// <summary>Ends the row before its next round (for example when its text reached a stop sequence).</summary>
    public void Stop() => _stopRequested = true;

    internal bool StopRequested => _stopRequested;

    /// <summary>The row's own session, when the decoder cannot batch.</summary>
    internal DecodingSession? Session { get; set; }

    /// <summary>The row's part of the batched decode.</summary>
    internal RowDecoding? Decoding { get; set; }

    internal int ReusedTokens { get; set; }

    internal void Write(IReadOnlyList<long> tokens) => _tokens.Writer.TryWrite(tokens);

    internal void Complete(BatchRowResult result)
    {
        _tokens.Writer.TryComplete();
        _completion.TrySetResult(result);
    }

    internal void Fail(Exception error)
    {
        _tokens.Writer.TryComplete(error);
        if (error is OperationCanceledException canceled) _completion.TrySetCanceled(canceled.CancellationToken);
        else _completion.TrySetException(error);
    }
}

/// <summary>The outcome of a <see cref="BatchRow"/>.</summary>
/// <param name="FinishReason">Why the row ended (<see cref="Decoding.FinishReason.Stopped"/> after <see cref="BatchRow.Stop"/>).</param>
/// <param name="GeneratedTokens">Tokens the row generated (the end-of-text token included).</param>
/// <param name="ReusedPromptTokens">Prompt tokens that a cached conversation state already held, so they were not prefilled again.</param>
/// <param name="Statistics">The row's decoding counters (acceptance, target calls, time to first token).</param>
public sealed record BatchRowResult(FinishReason FinishReason, int GeneratedTokens, int ReusedPromptTokens, DecodingStatistics Statistics);
