namespace LinearDsl.Runtime.Decoding;

/// <summary>The outcome of checking one row's drafted tokens: how many were accepted and the token that follows them.</summary>
/// <param name="Accepted">Drafted tokens accepted (0..m).</param>
/// <param name="Next">The correction (sampled from the residual) after a rejection, or the bonus token after full acceptance.</param>
public readonly record struct AcceptanceResult(int Accepted, long Next);

/// <summary>
/// Exact speculative sampling (docs/method.md, "Exact speculative decoding"): accept x_i with probability min(1, p_i(x_i) / q_i(x_i)), stop at
/// the first rejection and draw from norm(max(0, p - q)) (from p when that residual is all zero), or draw a bonus
/// token from p_{m+1} when every draft is accepted. With greedy distributions (one-hot) it accepts exactly while the
/// argmaxes agree, so greedy speculative decoding reproduces greedy decoding of the target.
/// </summary>
public static class SpeculativeAcceptance
{
    /// <summary>Checks one row.</summary>
    /// <param name="drafted">x_1..x_m.</param>
    /// <param name="draftProbabilities">q_1..q_m (after the sampling transform).</param>
    /// <param name="targetProbabilities">p_1..p_{m+1} (after the same transform).</param>
    /// <param name="random">The row's random stream.</param>
    public static AcceptanceResult Check(IReadOnlyList<long> drafted, IReadOnlyList<double[]> draftProbabilities, IReadOnlyList<double[]> targetProbabilities, Random random)
        => Check(drafted, draftProbabilities, targetProbabilities, random, AcceptanceRule.Exact);

    internal static AcceptanceResult Check(IReadOnlyList<long> drafted, IReadOnlyList<double[]> draftProbabilities, IReadOnlyList<double[]> targetProbabilities,
        Random random, AcceptanceRule rule)
    {
        int m = drafted.Count;
        if (draftProbabilities.Count != m || targetProbabilities.Count != m + 1)
            throw new ArgumentException($"Need m = {m} draft distributions and m + 1 target distributions, got {draftProbabilities.Count} and {targetProbabilities.Count}.");
        for (int i = 0; i < m; i++)
        {
            int x = checked((int)drafted[i]);
            double p = targetProbabilities[i][x], q = draftProbabilities[i][x];
            // Accept with probability min(1, p / q): u * q < p for u uniform in [0, 1) (q > 0, since x was drawn from q).
            bool accept = rule == AcceptanceRule.AlwaysAccept || random.NextDouble() * q < p;
            if (!accept) return new AcceptanceResult(i, Residual(targetProbabilities[i], draftProbabilities[i], random));
        }
        return new AcceptanceResult(m, TokenDistribution.Sample(targetProbabilities[m], random));
    }

    static long Residual(double[] p, double[] q, Random random)
    {
        var residual = new double[p.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            residual[i] = Math.Max(0, p[i] - q[i]);
            sum += residual[i];
        }
        // p == q leaves nothing: the rejection then cannot have happened in exact arithmetic; draw from p.
        return sum > 0 ? TokenDistribution.Sample(residual, random) : TokenDistribution.Sample(p, random);
    }
}

/// <summary>Acceptance rules; anything but Exact is wrong and exists only to show that the tests would catch it.</summary>
internal enum AcceptanceRule
{
    Exact,
    AlwaysAccept,
}
