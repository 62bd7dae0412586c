using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Tree speculative decoding (docs/speculative.md, "Tree drafting"). A round: candidates grow into a tree per row
/// (from the draft model, from the target's Medusa heads, or both); the target verifies its queue plus the whole tree
/// in ONE VerifyTree call; each row accepts a root-to-node path exactly (<see cref="TreeAcceptance"/>) and gains one
/// more token; every model commits exactly the accepted path.
/// </summary>
/// <remarks>
/// The draft verifies its own queue and the tree grown so far with VerifyTree (the tree's shape decides when a new
/// call is needed, one call per wave), never writes a candidate, and at the end commits its queue plus the accepted
/// nodes its last call covered; the rest of the path (the last wave's leaves) and the next token become its queue.
/// So neither state ever holds a rejected token and nothing is copied.
/// </remarks>
public sealed class TreeDecodingSession : DecodingSession
{
    readonly ModelRows _target;
    readonly ModelRows? _draft;
    readonly SpeculationOptions _speculation;
    readonly TreeDraftShape _shape;
    readonly TreeHeadsSource? _heads;
    readonly bool _residualBetweenSiblings;

    internal TreeDecodingSession(CausalLanguageModel target, CausalLanguageModel? draft, IReadOnlyList<IReadOnlyList<long>> prompts,
        GenerationOptions options, SpeculationOptions speculation, bool residualBetweenSiblings = true, CancellationToken cancellationToken = default)
        : base(prompts, options, target.VocabSize)
    {
        _residualBetweenSiblings = residualBetweenSiblings;
        speculation.Validate();
        _speculation = speculation;
        bool heads = speculation.Mode is SpeculationMode.Heads or SpeculationMode.HeadsAndDraft;
        if (speculation.Mode == SpeculationMode.Chain) throw new ArgumentException("A tree session needs Mode Tree, Heads or HeadsAndDraft; Chain uses SpeculativeDecodingSession.", nameof(speculation));
        if (speculation.Mode != SpeculationMode.Heads && draft is null) throw new ArgumentException($"Mode {speculation.Mode} needs a draft model.", nameof(draft));
        if (heads) _heads = TreeHeadsSource.Create(target, prompts.Count);
        // With heads alone nothing can evaluate a node deeper than the last head.
        _shape = TreeDraftShape.From(speculation, speculation.Mode == SpeculationMode.Heads ? _heads!.Count : int.MaxValue);
        _target = new ModelRows(target, prompts, null, cancellationToken);
        if (speculation.Mode == SpeculationMode.Heads) return;
        try
        {
            _draft = new ModelRows(draft!, prompts, null, cancellationToken);
        }
        catch
        {
            _target.Dispose();
            throw;
        }
    }

    internal ModelRows Target => _target;

    internal ModelRows? Draft => _draft;

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        int batch = Batch;
        var sampling = Options.Sampling;
        bool greedy = sampling.IsGreedy;
        var trees = Enumerable.Range(0, batch).Select(_ => new TreeDraft()).ToArray();
        var draftCovered = new int[batch];
        ModelVerifyResult? draftCall = null;
        try
        {
            var complete = new bool[batch];
            while (true)
            {
                for (int b = 0; b < batch; b++)
                    if (!complete[b]) complete[b] = _shape.Grow(trees[b], greedy, RandomFor(b));
                if (complete.All(c => c)) break;
                // Heads first (free), then one draft call for what they cannot give.
                bool headsGave = false;
                for (int b = 0; b < batch && _heads is not null; b++)
                    if (!complete[b]) headsGave |= _heads.Fill(b, trees[b], sampling);
                if (headsGave) continue;
                if (_draft is null)
                {
                    Array.Fill(complete, true);
                    break;
                }
                draftCall?.Pending.Dispose();
                draftCall = null;
                var (slots, result) = TreeRows.VerifyTree(_draft, trees.Select(t => t.Parents).ToArray(), trees.Select(t => t.Tokens).ToArray());
                draftCall = result;
                result.Logits.Dispose();
                Statistics.DraftCalls++;
                for (int b = 0; b < batch; b++)
                {
                    draftCovered[b] = trees[b].Count;
                    for (int s = 0; s < slots[b].Length; s++)
                    {
                        if (trees[b].IsKnown(s)) continue;
                        // Greedy drafts rank by the draft's plain softmax (top-k); sampling draws from the request's transform.
                        trees[b].SetDistribution(s, TokenDistribution.Probabilities(slots[b][s], greedy ? RankingSampling : sampling));
                    }
                }
            }
            return VerifyAndCommit(trees, draftCall, draftCovered);
        }
        finally
        {
            draftCall?.Pending.Dispose();
        }
    }

    static readonly SamplingOptions RankingSampling = new();

    IReadOnlyList<long>[] VerifyAndCommit(TreeDraft[] trees, ModelVerifyResult? draftCall, int[] draftCovered)
    {
        int batch = Batch;
        var sampling = Options.Sampling;
        var targetQueues = Enumerable.Range(0, batch).Select(b => _target.Queue(b).Count).ToArray();
        var (slots, result) = TreeRows.VerifyTree(_target, trees.Select(t => t.Parents).ToArray(), trees.Select(t => t.Tokens).ToArray());
        Statistics.TargetCalls++;
        using var pending = result.Pending;
        using var logits = result.Logits;
        using var hidden = result.Hidden;
        var emitted = new IReadOnlyList<long>[batch];
        var paths = new IReadOnlyList<int>[batch];
        for (int b = 0; b < batch; b++)
        {
            var tree = trees[b];
            var acceptance = Accept(tree, slots[b], RandomFor(b));
            if (IsRunning(b))
            {
                Statistics.DraftedTokens += tree.Count;
                Statistics.AcceptedTokens += acceptance.Path.Count;
            }
            var path = acceptance.Path;
            long[] tokens = path.Select(n => tree.Tokens[n]).Append(acceptance.Next).ToArray();
            // A row that ends in this round keeps (and its states commit) nothing past its end.
            int kept = IsRunning(b) ? Kept(b, tokens) : tokens.Length;
            if (kept < tokens.Length)
            {
                tokens = tokens[..kept];
                path = path.Take(kept - 1).ToArray();
            }
            emitted[b] = tokens;
            paths[b] = path;
        }
        _heads?.Update(_target.Model, result, targetQueues, paths, sampling);
        TreeRows.CommitPath(_target, pending, paths);
        for (int b = 0; b < batch; b++) _target.SetQueue(b, [emitted[b][^1]]);
        if (_draft is not null) CommitDraft(trees, paths, emitted, draftCall, draftCovered);
        return emitted;
    }

    TreeAcceptanceResult Accept(TreeDraft tree, double[][] logits, Random random)
    {
        var sampling = Options.Sampling;
        if (sampling.IsGreedy) return TreeAcceptance.Greedy(tree.Parents, tree.Tokens, logits);
        var target = logits.Select(l => TokenDistribution.Probabilities(l, sampling)).ToArray();
        return _speculation.TreeAcceptance == TreeAcceptanceRule.TypicalInexact
            ? TreeAcceptanceTypicalInexact.Check(tree.Parents, tree.Tokens, target, random)
            : TreeAcceptance.Sample(tree.Parents, tree.Tokens, tree.DrawnFrom, target, random, _residualBetweenSiblings);
    }

    /// <summary>The draft commits its queue and the accepted nodes its last call covered; the rest of the path and the next token wait in its queue.</summary>
    void CommitDraft(TreeDraft[] trees, IReadOnlyList<int>[] paths, IReadOnlyList<long>[] emitted, ModelVerifyResult? draftCall, int[] draftCovered)
    {
        var draft = _draft!;
        int batch = Batch;
        var queues = new List<long>[batch];
        if (draftCall is { } call)
        {
            var committed = paths.Select((path, b) => (IReadOnlyList<int>)path.TakeWhile(n => n < draftCovered[b]).ToArray()).ToArray();
            for (int b = 0; b < batch; b++)
                queues[b] = paths[b].Skip(committed[b].Count).Select(n => trees[b].Tokens[n]).Append(emitted[b][^1]).ToList();
            TreeRows.CommitPath(draft, call.Pending, committed);
        }
        else
        {
            for (int b = 0; b < batch; b++)
                queues[b] = draft.Queue(b).Concat(paths[b].Select(n => trees[b].Tokens[n])).Append(emitted[b][^1]).ToList();
        }
        for (int b = 0; b < batch; b++) draft.SetQueue(b, queues[b]);
    }

    /// <inheritdoc />
    protected override void DisposeStates()
    {
        _target.Dispose();
        _draft?.Dispose();
    }
}
