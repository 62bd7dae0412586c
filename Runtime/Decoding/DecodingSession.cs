using System.Diagnostics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// One generation request over a batch of prompts, advanced round by round with <see cref="NextRound"/> (plain: one
/// target step per round; speculative: draft, one target Verify, commit). Rows stop on their own (length, end of
/// text, or <see cref="Stop"/>); the session ends when every row has stopped. Dispose it to free the states.
/// </summary>
public abstract partial class DecodingSession : IDisposable
{
    readonly List<long>[] _generated;
    readonly FinishReason?[] _finished;
    readonly Random[] _random;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    long _rowRounds, _rowRoundTokens;
    bool _disposed;

    /// <summary>Validates the request and starts the clock.</summary>
    protected DecodingSession(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Count == 0) throw new ArgumentException("Give at least one prompt.", nameof(prompts));
        for (int b = 0; b < prompts.Count; b++)
        {
            if (prompts[b] is null || prompts[b].Count == 0) throw new ArgumentException($"Prompt {b} is empty; every row needs at least one token to start from.", nameof(prompts));
            foreach (long id in prompts[b])
            {
                if (id < 0 || id >= vocabSize)
                    throw new ArgumentOutOfRangeException(nameof(prompts), id, $"Prompt {b} holds token {id}, outside the model's vocabulary of {vocabSize}.");
            }
        }
        if (options.EndOfTextToken is long eot && (eot < 0 || eot >= vocabSize))
            throw new ArgumentOutOfRangeException(nameof(options), eot, $"EndOfTextToken {eot} is outside the vocabulary of {vocabSize}.");
        Options = options;
        _generated = prompts.Select(_ => new List<long>()).ToArray();
        _finished = new FinishReason?[prompts.Count];
        // One stream per row, derived deterministically from the seed, so a row's tokens do not depend on the batch.
        _random = Enumerable.Range(0, prompts.Count).Select(b => new Random(unchecked(options.Seed * 1_000_003 + b))).ToArray();
        if (options.MaxNewTokens == 0) Array.Fill(_finished, FinishReason.Length);
    }

    /// <summary>The request's options.</summary>
    public GenerationOptions Options { get; }

    /// <summary>Rows in the batch.</summary>
    public int Batch => _generated.Length;

    /// <summary>The tokens generated so far, per row.</summary>
    public IReadOnlyList<IReadOnlyList<long>> Generated => _generated;

    /// <summary>Why each row stopped, or null while it runs.</summary>
    public IReadOnlyList<FinishReason?> FinishReasons => _finished;

    /// <summary>Whether every row has stopped.</summary>
    public bool IsFinished => _finished.All(f => f is not null);

    /// <summary>Counters of this request.</summary>
    public DecodingStatistics Statistics { get; } = new();

    /// <summary>Runs one round and returns what each row gained (rows that gained nothing are left out).</summary>
    public IReadOnlyList<GenerationUpdate> NextRound()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsFinished) return [];
        var proposals = Round();
        var updates = new List<GenerationUpdate>();
        for (int b = 0; b < Batch; b++)
        {
            if (_finished[b] is not null) continue;
            _rowRounds++;
            _rowRoundTokens += proposals[b].Count;
            var emitted = new List<long>();
            foreach (long token in proposals[b])
            {
                _generated[b].Add(token);
                emitted.Add(token);
                if (Options.EndOfTextToken == token) _finished[b] = FinishReason.EndOfText;
                else if (StopTokens.EndsWithStop(Options, _generated[b], [], 0)) _finished[b] = FinishReason.Stopped;
                else if (_generated[b].Count >= Options.MaxNewTokens) _finished[b] = FinishReason.Length;
                if (_finished[b] is not null) break;
            }
            Statistics.TokensGenerated += emitted.Count;
            if (emitted.Count > 0) Statistics.TimeToFirstToken ??= _clock.Elapsed;
            updates.Add(new GenerationUpdate(b, emitted, _finished[b]));
        }
        Statistics.Rounds++;
        Statistics.MeanAcceptedLength = _rowRounds == 0 ? 0 : (double)_rowRoundTokens / _rowRounds;
        Statistics.Elapsed = _clock.Elapsed;
        return updates;
    }

    /// <summary>Stops a row (for example when its text reached a stop sequence).</summary>
    public void Stop(int row, FinishReason reason = FinishReason.Stopped)
    {
        if (row < 0 || row >= Batch) throw new ArgumentOutOfRangeException(nameof(row), row, $"The batch has rows 0..{Batch - 1}.");
        _finished[row] ??= reason;
    }

    /// <summary>Runs every remaining round synchronously.</summary>
    public void RunToEnd()
    {
        while (!IsFinished) NextRound();
    }

    /// <summary>Streams the rounds; cancellation stops after the current round and the session stays usable for Dispose.</summary>
    public async IAsyncEnumerable<GenerationUpdate> StreamAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!IsFinished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A round runs synchronously (its dispose scopes must not cross an await); then its updates are yielded.
            foreach (var update in NextRound()) yield return update;
            await Task.Yield();
        }
    }

    /// <summary>The random stream of a row.</summary>
    protected Random RandomFor(int row) => _random[row];

    /// <summary>Whether a row still runs.</summary>
    protected bool IsRunning(int row) => _finished[row] is null;

    /// <summary>One round: the tokens each row would emit, in order (stop conditions are applied by the caller).</summary>
    protected abstract IReadOnlyList<long>[] Round();

    /// <summary>Frees the model states.</summary>
    protected abstract void DisposeStates();

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeStates();
        GC.SuppressFinalize(this);
    }

}
