using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Speculative decoding (docs/method.md, "Exact speculative decoding"). A round: the draft proposes m tokens per row; the target checks
/// [queue, x_1..x_m] in ONE Verify call; each row accepts a prefix by exact speculative sampling and gains one more
/// token (the correction or the bonus); both models commit exactly the accepted tokens.
/// </summary>
/// <remarks>
/// Rollback costs nothing: neither model ever writes a token that is later rejected. The target verifies and then
/// commits the accepted prefix. The draft first takes its queue (tokens already accepted, so it commits them at
/// once: a Step when every row has one), which gives x_1; it then proposes token k by verifying x_1..x_{k-1}
/// against that state (Verify reads the state and never writes it), so after m proposals it holds one pending
/// record for x_1..x_{m-1} and commits only the accepted prefix. Cost per round: one draft call for the queue and
/// m - 1 over blocks of at most m - 1 tokens (the draft re-reads its proposals, which for a small draft costs little
/// next to a target call), one target call, and no copy of either state. Every part of a state (S, the group
/// buffer, the conv history, the KV cache) moves through the same Commit, so nothing can roll back separately.
/// </remarks>
public sealed class SpeculativeDecodingSession : DecodingSession
{
    readonly ModelRows _target;
    readonly ModelRows _draft;
    readonly SpeculationOptions _speculation;
    readonly AcceptanceRule _rule;

    internal SpeculativeDecodingSession(CausalLanguageModel target, CausalLanguageModel draft, IReadOnlyList<IReadOnlyList<long>> prompts,
        GenerationOptions options, SpeculationOptions speculation, AcceptanceRule rule = AcceptanceRule.Exact, CancellationToken cancellationToken = default)
        : this(target, draft, prompts, prompts, options, speculation, null, null, rule, cancellationToken)
    {
    }

    /// <summary>A session whose target and draft continue states that already hold earlier tokens (each fed its own new tokens).</summary>
    internal SpeculativeDecodingSession(CausalLanguageModel target, CausalLanguageModel draft, IReadOnlyList<IReadOnlyList<long>> targetPrompts,
        IReadOnlyList<IReadOnlyList<long>> draftPrompts, GenerationOptions options, SpeculationOptions speculation, ModelState? resumeTarget,
        ModelState? resumeDraft, AcceptanceRule rule = AcceptanceRule.Exact, CancellationToken cancellationToken = default)
        : base(targetPrompts, options, target.VocabSize)
    {
        _speculation = speculation;
        _rule = rule;
        DraftTokens = speculation.DraftTokens;
        _target = new ModelRows(target, targetPrompts, resumeTarget, cancellationToken);
        try
        {
            _draft = new ModelRows(draft, draftPrompts, resumeDraft, cancellationToken);
        }
        catch
        {
            _target.Dispose();
            resumeDraft?.Dispose();
            throw;
        }
    }

    /// <summary>Draft tokens of the next round (changes between rounds when adaptive).</summary>
    public int DraftTokens { get; private set; }

    internal ModelRows Target => _target;

    internal ModelRows Draft => _draft;

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        int m = DraftTokens, batch = Batch;
        var sampling = Options.Sampling;
        var drafted = Enumerable.Range(0, batch).Select(_ => new List<long>(m)).ToArray();
        var draftProbabilities = Enumerable.Range(0, batch).Select(_ => new List<double[]>(m)).ToArray();

        ModelPending? draftPending = null;
        try
        {
            for (int k = 0; k < m; k++)
            {
                double[][] next;
                if (k == 0)
                {
                    // The queue holds accepted tokens: commit them now, so that proposals re-read only proposals.
                    next = _draft.StepQueues();
                }
                else
                {
                    draftPending?.Dispose();
                    var extra = drafted.Select(d => (IReadOnlyList<long>)d.Take(k).ToArray()).ToArray();
                    (var logits, draftPending) = _draft.Verify(extra, _ => [k - 1]);
                    next = logits.Select(rows => rows[0]).ToArray();
                }
                Statistics.DraftCalls++;
                for (int b = 0; b < batch; b++)
                {
                    var q = TokenDistribution.Probabilities(next[b], sampling);
                    draftProbabilities[b].Add(q);
                    drafted[b].Add(TokenDistribution.Sample(q, RandomFor(b)));
                }
            }

            var (targetLogits, targetPending) = _target.Verify(drafted, b => Enumerable.Range(_target.Queue(b).Count - 1, m + 1).ToArray());
            Statistics.TargetCalls++;
            using (targetPending)
            {
                var emitted = new IReadOnlyList<long>[batch];
                var targetCommits = new long[batch];
                var draftCommits = new long[batch];
                var newDraftQueues = new List<long>[batch];
                int fewestAccepted = m;
                for (int b = 0; b < batch; b++)
                {
                    var p = targetLogits[b].Select(l => TokenDistribution.Probabilities(l, sampling)).ToArray();
                    var result = SpeculativeAcceptance.Check(drafted[b], draftProbabilities[b], p, RandomFor(b), _rule);
                    if (IsRunning(b))
                    {
                        Statistics.DraftedTokens += m;
                        Statistics.AcceptedTokens += result.Accepted;
                        fewestAccepted = Math.Min(fewestAccepted, result.Accepted);
                    }
                    int n = result.Accepted;
                    long[] tokens = drafted[b].Take(n).Append(result.Next).ToArray();
                    // A row that ends in this round keeps (and its states commit) nothing past its end, so its
                    // states hold exactly its tokens but the last (a conversation cache can continue them).
                    int kept = IsRunning(b) ? Kept(b, tokens) : tokens.Length;
                    if (kept < tokens.Length)
                    {
                        tokens = tokens[..kept];
                        n = kept - 1;
                    }
                    emitted[b] = tokens;
                    targetCommits[b] = _target.Queue(b).Count + n;
                    // The draft's queue is in; its block is x_1..x_{m-1}: x_m never entered it.
                    draftCommits[b] = Math.Min(n, m - 1);
                    newDraftQueues[b] = (n == m ? new List<long> { drafted[b][m - 1] } : new List<long>());
                    newDraftQueues[b].Add(tokens[^1]);
                }
                _target.Commit(targetPending, targetCommits);
                if (draftPending is not null) _draft.Commit(draftPending, draftCommits);
                for (int b = 0; b < batch; b++)
                {
                    _target.SetQueue(b, [emitted[b][^1]]);
                    _draft.SetQueue(b, newDraftQueues[b]);
                }
                Adapt(fewestAccepted, m);
                return emitted;
            }
        }
        finally
        {
            draftPending?.Dispose();
        }
    }

    /// <summary>How many of a round's tokens row b keeps: up to its end of text, a stop sequence or its last allowed token (at least one).</summary>
    int Kept(int b, long[] tokens)
    {
        int room = Math.Max(1, Options.MaxNewTokens - Generated[b].Count);
        int kept = Math.Min(tokens.Length, room);
        if (Options.EndOfTextToken is long eot && Array.IndexOf(tokens, eot, 0, kept) is int at and >= 0) kept = at + 1;
        return StopTokens.Kept(Options, Generated[b], tokens, kept);
    }

    /// <summary>Adaptive draft length: one more after a fully accepted round, (accepted + 1) after a rejection; bounded.</summary>
    void Adapt(int accepted, int m)
    {
        if (!_speculation.Adaptive) return;
        int next = accepted == m ? m + 1 : accepted + 1;
        DraftTokens = Math.Clamp(next, _speculation.MinDraftTokens, _speculation.MaxDraftTokens);
    }

    /// <inheritdoc />
    protected override void DisposeStates()
    {
        _target.Dispose();
        _draft.Dispose();
    }
}
