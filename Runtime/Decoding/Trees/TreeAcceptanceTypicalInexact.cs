namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Medusa's "typical acceptance" (Cai et al. 2024), kept only as an explicitly INEXACT option: a candidate x is
/// accepted when p(x) &gt; min(epsilon, delta * exp(-H(p))), so the output no longer follows the target's
/// distribution (it favours likely tokens). Off by default (<see cref="SpeculationOptions.TreeAcceptance"/>).
/// </summary>
public static class TreeAcceptanceTypicalInexact
{
    /// <summary>Follows, from slot 0, the first child whose token passes the typical threshold; then samples the next token from p.</summary>
    /// <param name="parents">Parent of each node (-1 for a root), parents before children.</param>
    /// <param name="tokens">Token of each node.</param>
    /// <param name="target">Target probabilities per slot (count + 1).</param>
    /// <param name="random">The row's random stream (for the token after the path).</param>
    /// <param name="epsilon">Hard threshold (Medusa's default 0.09).</param>
    /// <param name="delta">Entropy-scaled threshold (Medusa's default 0.3, the square root of epsilon).</param>
    public static TreeAcceptanceResult Check(IReadOnlyList<int> parents, IReadOnlyList<long> tokens, IReadOnlyList<double[]> target, Random random,
        double epsilon = 0.09, double delta = 0.3)
    {
        var children = TreeAcceptance.Children(parents, tokens, target.Count);
        var path = new List<int>();
        int slot = 0;
        while (true)
        {
            double[] p = target[slot];
            double threshold = Math.Min(epsilon, delta * Math.Exp(-Entropy(p)));
            int next = children[slot].FirstOrDefault(c => p[tokens[c]] > threshold, -1);
            if (next < 0) return new TreeAcceptanceResult(path, TokenDistribution.Sample(p, random));
            path.Add(next);
            slot = next + 1;
        }
    }

    static double Entropy(double[] p)
    {
        double h = 0;
        foreach (double v in p)
            if (v > 0) h -= v * Math.Log(v);
        return h;
    }
}
