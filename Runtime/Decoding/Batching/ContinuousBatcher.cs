using System.Collections.Concurrent;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>
/// Continuous batching of independent requests over one decoder: a scheduler thread owns the models and, round after
/// round, advances every active row by one decoding round (plain: one token; speculative: the row's own draft, verify
/// and acceptance). Rows join between rounds from a bounded queue, and leave when they finish, are stopped or are
/// cancelled (within one round). Each row keeps its own decoding session and state, at its own position, so a row's
/// tokens are exactly those of the same request decoded alone, whatever runs beside it.
/// </summary>
/// <remarks>
/// <para>A round runs the rows' model calls one after the other on the scheduler thread rather than as one
/// concatenated batch: exactness needs no argument about batched kernels, and rows of different lengths, draft lengths
/// and sampling settings need no padding. The state of a row is the model's fixed-size recurrent state (plus the
/// fixed-size group buffer and conv history), so a row's memory does not grow with its length.</para>
/// <para>With <see cref="BatchingOptions.StateCacheBytes"/> &gt; 0, a finished row's states go into a
/// <see cref="ConversationStateCache"/>, and a request whose prompt extends a cached conversation prefills only its new
/// tokens.</para>
/// <para>Only <see cref="PlainDecoder"/> and <see cref="SpeculativeDecoder"/> can resume cached states; other decoders run
/// without the cache.</para>
/// </remarks>
public sealed class ContinuousBatcher : IDisposable
{
    readonly ITokenDecoder _decoder;
    readonly ConcurrentQueue<BatchRow> _pending = new();
    readonly List<BatchRow> _active = [];
    readonly SemaphoreSlim _wake = new(0);
    readonly ConversationStateCache? _cache;
    readonly Thread _thread;
    readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _queued, _activeCount;
    volatile bool _closed, _stopping;

    /// <summary>Starts the scheduler thread over <paramref name="decoder"/>; from now on it alone may use the decoder's models.</summary>
    public ContinuousBatcher(ITokenDecoder decoder, BatchingOptions? options = null)
    {
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        Options = options ?? new BatchingOptions();
        Options.Validate();
        if (Options.StateCacheBytes > 0 && decoder is PlainDecoder or SpeculativeDecoder) _cache = new ConversationStateCache(Options.StateCacheBytes);
        _thread = new Thread(Run) { IsBackground = true, Name = "LinearDsl continuous batcher" };
        _thread.Start();
    }

    /// <summary>The bounds.</summary>
    public BatchingOptions Options { get; }

    /// <summary>Requests waiting for a row.</summary>
    public int QueueLength => Volatile.Read(ref _queued);

    /// <summary>Rows decoding now.</summary>
    public int ActiveRows => Volatile.Read(ref _activeCount);

    /// <summary>Bytes the conversation cache holds (0 without a cache).</summary>
    public long CachedStateBytes => _cache?.Bytes ?? 0;

    /// <summary>Conversations the cache holds.</summary>
    public int CachedConversations => _cache?.Count ?? 0;

    /// <summary>Raised on the scheduler thread after each round with the number of rows it advanced.</summary>
    public event Action<int>? RoundCompleted;

    /// <summary>Queues a request; its row joins the batch between two rounds.</summary>
    /// <exception cref="BatcherRefusedException">The queue is full, or the batcher is shutting down.</exception>
    /// <exception cref="ArgumentException">The prompt is empty or holds a token outside the vocabulary, or an option is out of range.</exception>
    public BatchRow Submit(IReadOnlyList<long> prompt, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0) throw new ArgumentException("The prompt is empty; a row needs at least one token to start from.", nameof(prompt));
        if (_closed) throw new BatcherRefusedException(BatcherRefusal.ShuttingDown, "The server is shutting down and takes no new requests.");
        if (Interlocked.Increment(ref _queued) > Options.MaxQueue + Math.Max(0, Options.MaxBatch - ActiveRows))
        {
            Interlocked.Decrement(ref _queued);
            throw new BatcherRefusedException(BatcherRefusal.QueueFull, $"{Options.MaxQueue} requests are already waiting for one of {Options.MaxBatch} rows; retry later.");
        }
        var row = new BatchRow(prompt.ToArray(), options, cancellationToken);
        _pending.Enqueue(row);
        _wake.Release();
        return row;
    }

    /// <summary>Refuses new requests and completes when every queued and active row has left.</summary>
    public Task DrainAsync()
    {
        _closed = true;
        if (_stopping) return _drained.Task;
        _wake.Release();
        return _drained.Task;
    }

    void Run()
    {
        while (!_stopping)
        {
            Admit();
            if (_active.Count == 0)
            {
                if (_closed && _pending.IsEmpty) _drained.TrySetResult();
                _wake.Wait();
                continue;
            }
            RunRound();
        }
        foreach (var row in _active.Concat(_pending)) Abandon(row);
        _active.Clear();
        _cache?.Dispose();
    }

    void Admit()
    {
        while (_active.Count < Options.MaxBatch && _pending.TryDequeue(out var row))
        {
            Interlocked.Decrement(ref _queued);
            if (row.CancellationToken.IsCancellationRequested)
            {
                row.Fail(new OperationCanceledException(row.CancellationToken));
                continue;
            }
            try
            {
                row.Session = Start(row);
            }
            catch (Exception error)
            {
                row.Fail(error);
                continue;
            }
            _active.Add(row);
        }
        Volatile.Write(ref _activeCount, _active.Count);
    }

    /// <summary>A session for the row: resuming a cached conversation that its prompt extends, else from nothing.</summary>
    DecodingSession Start(BatchRow row)
    {
        var prompt = row.Prompt;
        if (_cache?.TryTake(prompt) is not { } cached) return _decoder.Start([prompt], row.Options);
        try
        {
            row.ReusedTokens = cached.TargetLength;
            IReadOnlyList<long> targetTokens = prompt.Skip(cached.TargetLength).ToArray();
            return _decoder switch
            {
                PlainDecoder plain => new PlainDecodingSession(plain.Model, [targetTokens], row.Options, resume: cached.Target),
                SpeculativeDecoder speculative => new SpeculativeDecodingSession(speculative.Target, speculative.Draft, [targetTokens],
                    [prompt.Skip(cached.DraftLength).ToArray()], row.Options, speculative.Options, cached.Target, cached.Draft),
                _ => throw new InvalidOperationException("Only plain and speculative decoders resume cached states."),
            };
        }
        catch
        {
            cached.Dispose();
            throw;
        }
    }

    void RunRound()
    {
        int advanced = 0;
        for (int i = 0; i < _active.Count; i++)
        {
            var row = _active[i];
            var session = row.Session!;
            try
            {
                row.CancellationToken.ThrowIfCancellationRequested();
                if (row.StopRequested) session.Stop(0);
                if (!session.IsFinished)
                {
                    foreach (var update in session.NextRound())
                    {
                        if (update.Tokens.Count > 0) row.Write(update.Tokens);
                    }
                    advanced++;
                }
                if (!session.IsFinished) continue;
                var result = new BatchRowResult(session.FinishReasons[0]!.Value, session.Generated[0].Count, row.ReusedTokens, session.Statistics);
                Keep(row, session);
                row.Complete(result);
            }
            catch (Exception error)
            {
                session.Dispose();
                row.Fail(error);
            }
            _active.RemoveAt(i--);
        }
        Volatile.Write(ref _activeCount, _active.Count);
        if (advanced > 0) RoundCompleted?.Invoke(advanced);
    }

    /// <summary>Puts a finished row's states into the cache (keyed by every token they hold or queue), then frees the session.</summary>
    void Keep(BatchRow row, DecodingSession session)
    {
        try
        {
            if (_cache is null) return;
            long[] tokens = [.. row.Prompt, .. session.Generated[0]];
            (ModelRows target, ModelRows? draft) = session switch
            {
                PlainDecodingSession plain => (plain.Target, (ModelRows?)null),
                SpeculativeDecodingSession speculative => (speculative.Target, speculative.Draft),
                _ => (null!, null),
            };
            if (target is null || !Fits(target.State, tokens) || (draft is not null && !Fits(draft.State, tokens))) return;
            var entry = new CachedConversation(tokens, target.Detach(), draft?.Detach());
            _cache.Add(entry);
        }
        finally
        {
            session.Dispose();
        }
    }

    static bool Fits(ModelState state, long[] tokens) => state.Positions[0] <= tokens.Length;

    static void Abandon(BatchRow row)
    {
        row.Session?.Dispose();
        row.Fail(new ObjectDisposedException(nameof(ContinuousBatcher), "The server shut down before this request finished."));
    }

    /// <summary>Stops the scheduler: rows still queued or running end with an <see cref="ObjectDisposedException"/>; frees the cache.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _closed = true;
        _stopping = true;
        _wake.Release();
        _thread.Join();
        _wake.Dispose();
        _drained.TrySetResult();
    }
}
