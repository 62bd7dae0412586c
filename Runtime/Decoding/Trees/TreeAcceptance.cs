namespace LinearDsl.Runtime.Decoding;

/// <summary>The outcome of checking one row's candidate tree: the accepted root-to-node path and the token after it.</summary>
/// <param name="Path">Accepted nodes, root first (empty when no candidate was accepted).</param>
/// <param name="Next">The correction after a rejection, or the bonus token after the path's last node.</param>
public sealed record TreeAcceptanceResult(IReadOnlyList<int> Path, long Next);

/// <summary>
/// Acceptance of a candidate tree (docs/speculative.md, "Tree acceptance"). Distributions are indexed by slot: slot 0
/// is the committed position (the distribution of the roots), slot i + 1 follows node i.
/// </summary>
/// <remarks>
/// <para>Greedy: from slot 0, follow the child whose token is the target's argmax, as long as one exists; the next
/// token is the argmax after the last accepted node. Every emitted token is the target's argmax on its own prefix,
/// so the output is token-identical to greedy decoding of the target.</para>
/// <para>Sampling: recursive rejection sampling (SpecInfer; Jeon et al. 2024). At a slot with target distribution
/// p, try its children in order; child x, drawn from q_x, is accepted with probability min(1, p(x) / q_x(x)), and
/// the walk descends into it with the target distribution after x. On rejection p becomes norm(max(p - q_x, 0)) and
/// the next sibling is tried; when none is left the next token is drawn from p. Each step emits p exactly (the chain
/// lemma: min(p, q) plus the rejected mass times the residual), so by induction over the siblings, then over the
/// depth, the first emitted token follows the target and so does every later one. The lemma only needs q_x to be the
/// distribution x was really drawn from given the siblings before it: q for i.i.d. siblings, q without the earlier
/// siblings (renormalised) for siblings drawn without replacement, which is how the tree drafts draw them.</para>
/// </remarks>
public static class TreeAcceptance
{
    /// <summary>Greedy acceptance: the longest path whose tokens are the target's argmax at each step, then the argmax after it.</summary>
    /// <param name="parents">Parent of each node (-1 for a root), parents before children.</param>
    /// <param name="tokens">Token of each node.</param>
    /// <param name="targetLogits">Target logits or probabilities per slot (count + 1); only their argmax is used.</param>
    public static TreeAcceptanceResult Greedy(IReadOnlyList<int> parents, IReadOnlyList<long> tokens, IReadOnlyList<double[]> targetLogits)
    {
        var children = Children(parents, tokens, targetLogits.Count);
        var path = new List<int>();
        int slot = 0;
        while (true)
        {
            long best = TokenDistribution.ArgMax(targetLogits[slot]);
            int next = children[slot].FirstOrDefault(c => tokens[c] == best, -1);
            if (next < 0) return new TreeAcceptanceResult(path, best);
            path.Add(next);
            slot = next + 1;
        }
    }

    /// <summary>Exact recursive rejection sampling over siblings (see the remarks).</summary>
    /// <param name="parents">Parent of each node (-1 for a root), parents before children.</param>
    /// <param name="tokens">Token of each node.</param>
    /// <param name="drawnFrom">Per node, the distribution its token was drawn from given the siblings before it.</param>
    /// <param name="target">Target probabilities per slot (count + 1), after the same sampling transform.</param>
    /// <param name="random">The row's random stream.</param>
    public static TreeAcceptanceResult Sample(IReadOnlyList<int> parents, IReadOnlyList<long> tokens, IReadOnlyList<double[]> drawnFrom,
        IReadOnlyList<double[]> target, Random random)
        => Sample(parents, tokens, drawnFrom, target, random, residualBetweenSiblings: true);

    /// <summary>The sampling walk; without the residual update between siblings it is wrong (tests show that they catch it).</summary>
    internal static TreeAcceptanceResult Sample(IReadOnlyList<int> parents, IReadOnlyList<long> tokens, IReadOnlyList<double[]> drawnFrom,
        IReadOnlyList<double[]> target, Random random, bool residualBetweenSiblings)
    {
        var children = Children(parents, tokens, target.Count);
        if (drawnFrom.Count != parents.Count)
            throw new ArgumentException($"Need one draft distribution per node ({parents.Count}), got {drawnFrom.Count}.", nameof(drawnFrom));
        var path = new List<int>();
        int slot = 0;
        while (true)
        {
            double[] p = target[slot];
            int accepted = -1;
            foreach (int child in children[slot])
            {
                int x = checked((int)tokens[child]);
                double[] q = drawnFrom[child];
                // Accept with probability min(1, p(x) / q(x)): u * q < p for u uniform in [0, 1) (q(x) > 0, x was drawn from q).
                if (random.NextDouble() * q[x] < p[x])
                {
                    accepted = child;
                    break;
                }
                if (residualBetweenSiblings) p = Residual(p, q);
            }
            if (accepted < 0) return new TreeAcceptanceResult(path, TokenDistribution.Sample(p, random));
            path.Add(accepted);
            slot = accepted + 1;
        }
    }

    /// <summary>norm(max(p - q, 0)); p itself when that is all zero (p == q: the rejection cannot happen in exact arithmetic).</summary>
    internal static double[] Residual(double[] p, double[] q)
    {
        var residual = new double[p.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            residual[i] = Math.Max(0, p[i] - q[i]);
            sum += residual[i];
        }
        if (!(sum > 0)) return p;
        for (int i = 0; i < residual.Length; i++) residual[i] /= sum;
        return residual;
    }

    /// <summary>Children of each slot in node order, after checking the shapes.</summary>
    internal static List<int>[] Children(IReadOnlyList<int> parents, IReadOnlyList<long> tokens, int slots)
    {
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(tokens);
        int n = parents.Count;
        if (tokens.Count != n) throw new ArgumentException($"Need one token per node ({n}), got {tokens.Count}.", nameof(tokens));
        if (slots != n + 1) throw new ArgumentException($"Need {n + 1} target distributions (the committed position, then one after each node), got {slots}.");
        var children = Enumerable.Range(0, n + 1).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < n; i++)
        {
            if (parents[i] < -1 || parents[i] >= i)
                throw new ArgumentException($"Node {i} has parent {parents[i]}; a parent must be -1 (a root) or an earlier node.", nameof(parents));
            children[parents[i] + 1].Add(i);
        }
        return children;
    }
}
