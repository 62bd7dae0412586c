using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>
/// The running batch of a <see cref="ContinuousBatcher"/>: every active row's target (and draft) state in ONE batched
/// <see cref="ModelState"/> per model, so that a round reads each model's weights once for all rows. A round is one
/// batched model call per model and phase: plain, one Step of all rows; speculative, the draft's proposals batched
/// across rows (one call per draft position), one target Verify over every row's queue and candidates (right-padded
/// where rows draft different lengths), then per-row acceptance and one Commit with per-row counts. Rows sit at their
/// own positions; each has its own sampling settings, random stream, limits and (adaptive) draft length. Rows join
/// between rounds (their prefilled states appended) and leave between rounds (their rows dropped).
/// </summary>
/// <remarks>Not thread-safe: the batcher's scheduler thread is its only user.</remarks>
internal sealed class BatchedDecode(CausalLanguageModel target, CausalLanguageModel? draft, SpeculationOptions? speculation) : IDisposable
{
    readonly List<RowDecoding> _rows = [];
    ModelRows? _target, _draft;

    public CausalLanguageModel TargetModel { get; } = target;

    public CausalLanguageModel? DraftModel { get; } = draft;

    public bool Speculates => DraftModel is not null;

    public int Count => _rows.Count;

    public IReadOnlyList<RowDecoding> Rows => _rows;

    /// <summary>The batched target state (null while no row runs), for tests.</summary>
    internal ModelState? TargetState => _target?.State;

    /// <summary>A decoding record for a new row (its first draft length from the speculation options).</summary>
    public RowDecoding NewRow(GenerationOptions options) => new(options, speculation?.DraftTokens ?? 0);

    /// <summary>
    /// Prefills <paramref name="targetTokens"/> (and <paramref name="draftTokens"/>) into one-row states, continuing the
    /// cached states when given (the rows take them over): the work a joining row does before it is appended. With
    /// <paramref name="defer"/> nothing is prefilled yet: the caller feeds the prompts block by block (<see cref="ModelRows.PrefillNext"/>).
    /// </summary>
    public (ModelRows Target, ModelRows? Draft) Prefill(IReadOnlyList<long> targetTokens, IReadOnlyList<long>? draftTokens,
        ModelState? resumeTarget, ModelState? resumeDraft, CancellationToken cancellationToken, bool defer = false)
    {
        ModelRows? targetRows = null;
        try
        {
            targetRows = new ModelRows(TargetModel, [targetTokens], resumeTarget, defer, cancellationToken);
            resumeTarget = null;
            var draftRows = DraftModel is null ? null : new ModelRows(DraftModel, [draftTokens ?? targetTokens], resumeDraft, defer, cancellationToken);
            return (targetRows, draftRows);
        }
        catch
        {
            if (targetRows is not null) targetRows.Dispose();
            else resumeTarget?.Dispose();
            resumeDraft?.Dispose();
            throw;
        }
    }

    /// <summary>Appends a prefilled row (its states are copied in and the one-row states freed).</summary>
    public void Join(RowDecoding row, ModelRows targetRows, ModelRows? draftRows)
    {
        if (_target is null)
        {
            _target = targetRows;
            _draft = draftRows;
        }
        else
        {
            try
            {
                _target.Append(targetRows);
                _draft?.Append(draftRows!);
            }
            finally
            {
                targetRows.Dispose();
                draftRows?.Dispose();
            }
        }
        _rows.Add(row);
    }

    /// <summary>Copies of row <paramref name="index"/>'s states (for the conversation cache; the caller disposes them).</summary>
    public (ModelState Target, ModelState? Draft) CopyRow(int index)
    {
        var copy = _target!.CopyRow(index);
        try
        {
            return (copy, _draft?.CopyRow(index));
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Positions of row <paramref name="index"/>'s target and draft states (tokens each has fed).</summary>
    public (long Target, long Draft) Positions(int index) => (_target!.State.Positions[index], _draft?.State.Positions[index] ?? 0);

    /// <summary>Keeps only the rows at <paramref name="indices"/> (in order); frees the states when none is left.</summary>
    public void Keep(IReadOnlyList<int> indices)
    {
        if (indices.Count == _rows.Count && indices.Count > 0) return;
        var kept = indices.Select(i => _rows[i]).ToArray();
        _rows.Clear();
        _rows.AddRange(kept);
        if (kept.Length == 0)
        {
            DisposeStates();
            return;
        }
        _target!.KeepRows(indices);
        _draft?.KeepRows(indices);
    }

    /// <summary>One round of every row (all must be running); returns the tokens each row emitted.</summary>
    public IReadOnlyList<long>[] Round() => Speculates ? SpeculativeRound() : PlainRound();

    IReadOnlyList<long>[] PlainRound()
    {
        var logits = _target!.StepQueues();
        var emitted = new IReadOnlyList<long>[_rows.Count];
        for (int b = 0; b < _rows.Count; b++)
        {
            var row = _rows[b];
            long token = TokenDistribution.Sample(TokenDistribution.Probabilities(logits[b], row.Options.Sampling), row.Random);
            _target.SetQueue(b, [token]);
            row.Statistics.TargetCalls++;
            emitted[b] = row.Emit([token]);
        }
        return emitted;
    }

    /// <summary>
    /// The round of <see cref="SpeculativeDecodingSession"/> over all rows at once, each row with its own draft length
    /// m_b: proposal k is drawn for the rows with m_b &gt; k, and the draft's last pending record covers every row's
    /// x_1..x_{m_b-1} (rows that are done proposing re-verify their own candidates, right-padded, and ignore the logits).
    /// </summary>
    IReadOnlyList<long>[] SpeculativeRound()
    {
        int batch = _rows.Count;
        var m = _rows.Select(r => r.DraftTokens).ToArray();
        int longest = m.Max();
        var drafted = m.Select(n => new List<long>(n)).ToArray();
        var q = m.Select(n => new List<double[]>(n)).ToArray();
        ModelPending? draftPending = null;
        try
        {
            for (int k = 0; k < longest; k++)
            {
                double[][] next;
                if (k == 0)
                {
                    next = _draft!.StepQueues();
                }
                else
                {
                    draftPending?.Dispose();
                    var extra = Enumerable.Range(0, batch).Select(b => (IReadOnlyList<long>)drafted[b].Take(Math.Min(k, m[b] - 1)).ToArray()).ToArray();
                    (var logits, draftPending) = _draft!.Verify(extra, b => [Math.Max(0, _draft.Queue(b).Count + extra[b].Count - 1)]);
                    next = logits.Select(rows => rows[0]).ToArray();
                }
                for (int b = 0; b < batch; b++)
                {
                    if (k >= m[b]) continue;
                    _rows[b].Statistics.DraftCalls++;
                    var probabilities = TokenDistribution.Probabilities(next[b], _rows[b].Options.Sampling);
                    q[b].Add(probabilities);
                    drafted[b].Add(TokenDistribution.Sample(probabilities, _rows[b].Random));
                }
            }

            var (targetLogits, targetPending) = _target!.Verify(drafted, b => Enumerable.Range(_target.Queue(b).Count - 1, m[b] + 1).ToArray());
            using (targetPending)
            {
                var emitted = new IReadOnlyList<long>[batch];
                var targetCommits = new long[batch];
                var draftCommits = new long[batch];
                var newDraftQueues = new List<long>[batch];
                for (int b = 0; b < batch; b++)
                {
                    var row = _rows[b];
                    var p = targetLogits[b].Select(l => TokenDistribution.Probabilities(l, row.Options.Sampling)).ToArray();
                    var result = SpeculativeAcceptance.Check(drafted[b], q[b], p, row.Random);
                    row.Statistics.TargetCalls++;
                    row.Statistics.DraftedTokens += m[b];
                    row.Statistics.AcceptedTokens += result.Accepted;
                    int n = result.Accepted;
                    long[] tokens = drafted[b].Take(n).Append(result.Next).ToArray();
                    // A row that ends in this round commits nothing past its end, so its states hold exactly its
                    // tokens but the last (the conversation cache continues them).
                    int kept = row.Kept(tokens);
                    if (kept < tokens.Length)
                    {
                        tokens = tokens[..kept];
                        n = kept - 1;
                    }
                    targetCommits[b] = _target.Queue(b).Count + n;
                    draftCommits[b] = Math.Min(n, m[b] - 1);
                    newDraftQueues[b] = n == m[b] ? [drafted[b][m[b] - 1]] : [];
                    newDraftQueues[b].Add(tokens[^1]);
                    row.Adapt(speculation!, result.Accepted, m[b]);
                    emitted[b] = tokens;
                }
                _target.Commit(targetPending, targetCommits);
                if (draftPending is not null) _draft!.Commit(draftPending, draftCommits);
                for (int b = 0; b < batch; b++)
                {
                    _target.SetQueue(b, [emitted[b][^1]]);
                    _draft!.SetQueue(b, newDraftQueues[b]);
                    emitted[b] = _rows[b].Emit(emitted[b]);
                }
                return emitted;
            }
        }
        finally
        {
            draftPending?.Dispose();
        }
    }

    void DisposeStates()
    {
        _target?.Dispose();
        _draft?.Dispose();
        _target = _draft = null;
    }

    /// <summary>Frees the batched states.</summary>
    public void Dispose()
    {
        _rows.Clear();
        DisposeStates();
    }
}
