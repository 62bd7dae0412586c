namespace LinearDsl.Runtime.Decoding;

/// <summary>The chain round that the causal and the seq2seq speculative sessions share.</summary>
public abstract partial class DecodingSession
{
    /// <summary>
    /// One chain round: the draft proposes <paramref name="m"/> tokens per row (committing its queue first), the
    /// target verifies them in one call, each row accepts by <paramref name="rule"/>, and both states commit exactly the
    /// accepted tokens. Returns the tokens each row emits and the fewest any running row accepted.
    /// </summary>
    private protected (IReadOnlyList<long>[] Emitted, int FewestAccepted) ChainRound<TPending>(ChainRows<TPending> target, ChainRows<TPending> draft, int m, AcceptanceRule rule)
        where TPending : class, IDisposable
    {
        int batch = Batch;
        var sampling = Options.Sampling;
        var drafted = Enumerable.Range(0, batch).Select(_ => new List<long>(m)).ToArray();
        var draftProbabilities = Enumerable.Range(0, batch).Select(_ => new List<double[]>(m)).ToArray();

        TPending? draftPending = null;
        try
        {
            for (int k = 0; k < m; k++)
            {
                double[][] next;
                if (k == 0)
                {
                    // The queue holds accepted tokens: commit them now, so that proposals re-read only proposals.
                    next = draft.StepQueues();
                }
                else
                {
                    draftPending?.Dispose();
                    var extra = drafted.Select(d => (IReadOnlyList<long>)d.Take(k).ToArray()).ToArray();
                    (var logits, draftPending) = draft.Verify(extra, _ => [k - 1]);
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

            var (targetLogits, targetPending) = target.Verify(drafted, b => Enumerable.Range(target.Queue(b).Count - 1, m + 1).ToArray());
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
                    var result = SpeculativeAcceptance.Check(drafted[b], draftProbabilities[b], p, RandomFor(b), rule);
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
                    targetCommits[b] = target.Queue(b).Count + n;
                    // The draft's queue is in; its block is x_1..x_{m-1}: x_m never entered it.
                    draftCommits[b] = Math.Min(n, m - 1);
                    newDraftQueues[b] = (n == m ? new List<long> { drafted[b][m - 1] } : new List<long>());
                    newDraftQueues[b].Add(tokens[^1]);
                }
                target.Commit(targetPending, targetCommits);
                if (draftPending is not null) draft.Commit(draftPending, draftCommits);
                for (int b = 0; b < batch; b++)
                {
                    target.SetQueue(b, [emitted[b][^1]]);
                    draft.SetQueue(b, newDraftQueues[b]);
                }
                return (emitted, fewestAccepted);
            }
        }
        finally
        {
            draftPending?.Dispose();
        }
    }

    /// <summary>How many of a round's tokens row b keeps: up to its end of text, a stop sequence or its last allowed token (at least one).</summary>
    private protected int Kept(int b, long[] tokens)
    {
        int room = Math.Max(1, Options.MaxNewTokens - Generated[b].Count);
        int kept = Math.Min(tokens.Length, room);
        if (Options.EndOfTextToken is long eot && Array.IndexOf(tokens, eot, 0, kept) is int at and >= 0) kept = at + 1;
        return StopTokens.Kept(Options, Generated[b], tokens, kept);
    }
}
