using System.Collections.Concurrent;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>
/// Continuous batching of independent requests over one decoder: a scheduler thread owns the models and, round after
/// round, advances every active row together. With a <see cref="PlainDecoder"/> or <see cref="SpeculativeDecoder"/> a
/// round is ONE batched call per model and phase over all rows (plain: one Step; speculative: the draft's proposals,
/// one target Verify, one Commit with per-row counts), so the weights are read once per round rather than once per
/// row. Rows sit at their own positions, with their own sampling settings, limits, random streams and draft lengths;
/// they join between rounds from a bounded queue (prefilled into states of their own, a long prompt in chunks between
/// rounds, then appended to the batched state) and leave when they finish, are stopped or are cancelled (within one
/// round). A row's tokens are those of the same request decoded alone, whatever runs beside it.
/// </summary>
/// <remarks>
/// <para>The state of a row is the model's fixed-size recurrent state (plus the fixed-size group buffer and conv
/// history), so a row's memory does not grow with its length; a softmax layer's KV cache does, and its batched cache is
/// as long as its longest row (shorter rows are masked).</para>
/// <para>With <see cref="BatchingOptions.StateCacheBytes"/> &gt; 0, a finished row's states go into a
/// <see cref="ConversationStateCache"/>, and a request whose prompt extends a cached conversation prefills only its new
/// tokens.</para>
/// <para>Other <see cref="ITokenDecoder"/>s run each row as its own session, one after the other, without the cache.</para>
/// </remarks>
public sealed class ContinuousBatcher : IDisposable
{
    readonly ITokenDecoder _decoder;
    readonly ConcurrentQueue<BatchRow> _pending = new();
    readonly List<BatchRow> _active = [];
    readonly List<JoiningRow> _joining = [];
    readonly SemaphoreSlim _wake = new(0);
    readonly ConversationStateCache? _cache;
    readonly BatchedDecode? _batch;
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
        _batch = decoder switch
        {
            PlainDecoder plain => new BatchedDecode(plain.Model, null, null),
            SpeculativeDecoder speculative => new BatchedDecode(speculative.Target, speculative.Draft, speculative.Options),
            _ => null,
        };
        if (Options.StateCacheBytes > 0 && _batch is not null) _cache = new ConversationStateCache(Options.StateCacheBytes);
        _thread = new Thread(Run) { IsBackground = true, Name = "LinearDsl continuous batcher" };
        _thread.Start();
    }

    /// <summary>The bounds.</summary>
    public BatchingOptions Options { get; }

    /// <summary>Requests waiting for a row.</summary>
    public int QueueLength => Volatile.Read(ref _queued);

    /// <summary>Rows admitted: decoding, or prefilling their prompts to join the batch.</summary>
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
            if (_active.Count == 0 && _joining.Count == 0)
            {
                if (_closed && _pending.IsEmpty) _drained.TrySetResult();
                _wake.Wait();
                continue;
            }
            PrefillJoining();
            if (_active.Count > 0) RunRound();
        }
        foreach (var joining in _joining) joining.Dispose();
        foreach (var row in _active.Concat(_joining.Select(j => j.Row)).Concat(_pending)) Abandon(row);
        _joining.Clear();
        _active.Clear();
        _batch?.Dispose();
        _cache?.Dispose();
    }

    void Admit()
    {
        while (_active.Count + _joining.Count < Options.MaxBatch && _pending.TryDequeue(out var row))
        {
            Interlocked.Decrement(ref _queued);
            if (row.CancellationToken.IsCancellationRequested)
            {
                row.Fail(new OperationCanceledException(row.CancellationToken));
                continue;
            }
            try
            {
                if (_batch is not null)
                {
                    _joining.Add(Begin(row, _batch));
                    continue;
                }
                row.Session = _decoder.Start([row.Prompt], row.Options, row.CancellationToken);
            }
            catch (Exception error)
            {
                row.Fail(error);
                continue;
            }
            _active.Add(row);
        }
        Publish();
    }

    void Publish() => Volatile.Write(ref _activeCount, _active.Count + _joining.Count);

    /// <summary>
    /// Most prompt tokens that joining rows prefill between two rounds while other rows run (a longer prompt is fed over
    /// several rounds): the running rows wait at most this much prefill per round.
    /// </summary>
    internal const int JoinChunk = 128;

    /// <summary>A joining row's one-row states, continuing a cached conversation that its prompt extends (prefill deferred).</summary>
    JoiningRow Begin(BatchRow row, BatchedDecode batch)
    {
        var prompt = row.Prompt;
        var cached = _cache?.TryTake(prompt);
        if (cached is null)
        {
            var (target, draft) = batch.Prefill(prompt, null, null, null, row.CancellationToken, defer: true);
            return new JoiningRow(row, batch.NewRow(row.Options), target, draft);
        }
        row.ReusedTokens = cached.TargetLength;
        var (resumedTarget, resumedDraft) = batch.Prefill(prompt.Skip(cached.TargetLength).ToArray(), prompt.Skip(cached.DraftLength).ToArray(),
            cached.Target, cached.Draft, row.CancellationToken, defer: true);
        return new JoiningRow(row, batch.NewRow(row.Options), resumedTarget, resumedDraft);
    }

    /// <summary>
    /// Feeds joining rows' prompts, each as its own calls (not part of a round): all of them when no row runs (nobody
    /// waits), else at most <see cref="JoinChunk"/> tokens in all; a row whose prompt is in joins the batch.
    /// </summary>
    void PrefillJoining()
    {
        long budget = _active.Count == 0 ? long.MaxValue : JoinChunk;
        for (int i = 0; i < _joining.Count && budget > 0; i++)
        {
            var joining = _joining[i];
            try
            {
                while (budget > 0 && Math.Max(joining.Target.PrefillRemaining, joining.Draft?.PrefillRemaining ?? 0) > 0)
                {
                    int before = joining.Target.PrefillRemaining;
                    int chunk = (int)Math.Min(budget, ModelRows.PrefillBlock);
                    joining.Target.PrefillNext(chunk, joining.Row.CancellationToken);
                    joining.Draft?.PrefillNext(chunk, joining.Row.CancellationToken);
                    budget -= Math.Max(1, before - joining.Target.PrefillRemaining);
                }
                if (Math.Max(joining.Target.PrefillRemaining, joining.Draft?.PrefillRemaining ?? 0) > 0) break;
                joining.Row.CancellationToken.ThrowIfCancellationRequested();
            }
            catch (Exception error)
            {
                joining.Dispose();
                joining.Row.Fail(error);
                _joining.RemoveAt(i--);
                continue;
            }
            _joining.RemoveAt(i--);
            try
            {
                _batch!.Join(joining.Decoding, joining.Target, joining.Draft);
            }
            catch (Exception error)
            {
                // The batched states may hold part of the join: every row in them ends.
                joining.Row.Fail(error);
                FailAll(error);
                continue;
            }
            joining.Row.Decoding = joining.Decoding;
            _active.Add(joining.Row);
        }
        Publish();
    }

    void RunRound()
    {
        if (_batch is null)
        {
            RunSessionRound();
            return;
        }
        Sweep(_batch);
        if (_batch.Count == 0) return;
        int rows = _batch.Count;
        IReadOnlyList<long>[] emitted;
        try
        {
            emitted = _batch.Round();
        }
        catch (Exception error)
        {
            FailAll(error);
            return;
        }
        for (int i = 0; i < _active.Count; i++)
        {
            if (emitted[i].Count > 0) _active[i].Write(emitted[i]);
        }
        Sweep(_batch);
        RoundCompleted?.Invoke(rows);
    }

    /// <summary>Rows that finished, were stopped or were cancelled leave the batch (a finished row's states go to the cache).</summary>
    void Sweep(BatchedDecode batch)
    {
        var kept = new List<int>(_active.Count);
        for (int i = 0; i < _active.Count; i++)
        {
            var row = _active[i];
            var decoding = row.Decoding!;
            if (row.CancellationToken.IsCancellationRequested)
            {
                row.Fail(new OperationCanceledException(row.CancellationToken));
                continue;
            }
            if (row.StopRequested) decoding.Stop();
            if (decoding.Finished is not FinishReason reason)
            {
                kept.Add(i);
                continue;
            }
            Keep(row, batch, i);
            row.Complete(new BatchRowResult(reason, decoding.Generated.Count, row.ReusedTokens, decoding.Statistics));
        }
        if (kept.Count == _active.Count) return;
        try
        {
            batch.Keep(kept);
        }
        catch (Exception error)
        {
            FailAll(error);
            return;
        }
        var rows = kept.Select(i => _active[i]).ToArray();
        _active.Clear();
        _active.AddRange(rows);
        Publish();
    }

    /// <summary>Ends every active row with <paramref name="error"/> and frees the batched states (they may be inconsistent).</summary>
    void FailAll(Exception error)
    {
        foreach (var row in _active) row.Fail(error);
        _active.Clear();
        _batch?.Keep([]);
        Publish();
    }

    /// <summary>Rows of a decoder that cannot batch: each its own session, one after the other.</summary>
    void RunSessionRound()
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
                row.Complete(new BatchRowResult(session.FinishReasons[0]!.Value, session.Generated[0].Count, 0, session.Statistics));
            }
            catch (Exception error)
            {
                row.Fail(error);
            }
            session.Dispose();
            _active.RemoveAt(i--);
        }
        Publish();
        if (advanced > 0) RoundCompleted?.Invoke(advanced);
    }

    /// <summary>Puts a copy of a finished row's states into the cache, keyed by every token they hold or queue.</summary>
    void Keep(BatchRow row, BatchedDecode batch, int index)
    {
        if (_cache is null) return;
        long[] tokens = [.. row.Prompt, .. row.Decoding!.Generated];
        var (target, draft) = batch.Positions(index);
        if (target > tokens.Length || draft > tokens.Length) return;
        try
        {
            var (targetState, draftState) = batch.CopyRow(index);
            _cache.Add(new CachedConversation(tokens, targetState, draftState));
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A copy that fails (native memory, say) leaves the conversation uncached; the reply itself is complete.
        }
    }

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

/// <summary>A row whose prompt is being prefilled into its own one-row states before it joins the batch.</summary>
internal sealed record JoiningRow(BatchRow Row, RowDecoding Decoding, ModelRows Target, ModelRows? Draft) : IDisposable
{
    public void Dispose()
    {
        Target.Dispose();
        Draft?.Dispose();
    }
}
