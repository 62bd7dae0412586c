using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Plain decoding of a seq2seq model: each row's source is encoded once, then the decoder starts from the decoder
/// start token and takes one Step per generated token. The session's "prompts" are the sources.
/// </summary>
public sealed class Seq2SeqPlainDecodingSession : DecodingSession
{
    readonly Seq2SeqRows _target;

    internal Seq2SeqPlainDecodingSession(Seq2SeqModel model, IReadOnlyList<IReadOnlyList<long>> sources, GenerationOptions options)
        : base(sources, options, model.VocabSize)
    {
        _target = new Seq2SeqRows(model, sources);
    }

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        var logits = _target.StepQueues();
        Statistics.TargetCalls++;
        var next = new IReadOnlyList<long>[Batch];
        for (int b = 0; b < Batch; b++)
        {
            long token = TokenDistribution.Sample(TokenDistribution.Probabilities(logits[b], Options.Sampling), RandomFor(b));
            _target.SetQueue(b, [token]);
            next[b] = [token];
        }
        return next;
    }

    /// <inheritdoc />
    protected override void DisposeStates() => _target.Dispose();
}

/// <summary>
/// Speculative decoding of a seq2seq target with a seq2seq draft: each encodes the sources once, then every round
/// runs as in <see cref="SpeculativeDecodingSession"/> (chain drafting, one target Verify, exact acceptance by
/// <see cref="SpeculativeAcceptance"/>, both decoders commit exactly the accepted tokens). Greedy output is
/// token-identical to <see cref="Seq2SeqPlainDecodingSession"/> with the target; sampled output follows the target's distribution.
/// </summary>
public sealed class Seq2SeqSpeculativeDecodingSession : DecodingSession
{
    readonly Seq2SeqRows _target;
    readonly Seq2SeqRows _draft;
    readonly SpeculationOptions _speculation;

    internal Seq2SeqSpeculativeDecodingSession(Seq2SeqModel target, Seq2SeqModel draft, IReadOnlyList<IReadOnlyList<long>> sources,
        GenerationOptions options, SpeculationOptions speculation)
        : base(sources, options, target.VocabSize)
    {
        _speculation = speculation;
        DraftTokens = speculation.DraftTokens;
        _target = new Seq2SeqRows(target, sources);
        try
        {
            _draft = new Seq2SeqRows(draft, sources);
        }
        catch
        {
            _target.Dispose();
            throw;
        }
    }

    /// <summary>Draft tokens of the next round (changes between rounds when adaptive).</summary>
    public int DraftTokens { get; private set; }

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        int m = DraftTokens, batch = Batch;
        var sampling = Options.Sampling;
        var drafted = Enumerable.Range(0, batch).Select(_ => new List<long>(m)).ToArray();
        var draftProbabilities = Enumerable.Range(0, batch).Select(_ => new List<double[]>(m)).ToArray();
        Seq2SeqPending? draftPending = null;
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
                    var result = SpeculativeAcceptance.Check(drafted[b], draftProbabilities[b], p, RandomFor(b));
                    if (IsRunning(b))
                    {
                        Statistics.DraftedTokens += m;
                        Statistics.AcceptedTokens += result.Accepted;
                        fewestAccepted = Math.Min(fewestAccepted, result.Accepted);
                    }
                    int n = result.Accepted;
                    long[] tokens = drafted[b].Take(n).Append(result.Next).ToArray();
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
                    newDraftQueues[b] = n == m ? [drafted[b][m - 1]] : [];
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
