namespace LinearDsl.Runtime.Decoding;

/// <summary>Turns logits into the sampling distribution of <see cref="SamplingOptions"/> and draws from it (on the host, in float64).</summary>
public static class TokenDistribution
{
    /// <summary>
    /// Probabilities after temperature, top-k and top-p, renormalised; for greedy options a one-hot vector on the
    /// argmax (the lowest id among equal maxima), so greedy is the limit of sampling and the acceptance rule
    /// min(1, p/q) reduces to "accept while the argmaxes agree".
    /// </summary>
    public static double[] Probabilities(ReadOnlySpan<double> logits, SamplingOptions options)
    {
        var probabilities = new double[logits.Length];
        if (logits.Length == 0) return probabilities;
        if (options.IsGreedy)
        {
            probabilities[ArgMax(logits)] = 1;
            return probabilities;
        }
        double max = double.NegativeInfinity;
        foreach (var value in logits) max = Math.Max(max, value);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = Math.Exp((logits[i] - max) / options.Temperature);
            sum += probabilities[i];
        }
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] /= sum;
        if (options.TopK > 0 && options.TopK < probabilities.Length) KeepTopK(probabilities, options.TopK);
        if (options.TopP < 1) KeepTopP(probabilities, options.TopP);
        return probabilities;
    }

    /// <summary>Index of the largest value (the first of equal maxima).</summary>
    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Draws an index from <paramref name="probabilities"/> (they need not sum exactly to 1).</summary>
    public static int Sample(ReadOnlySpan<double> probabilities, Random random)
    {
        double total = 0;
        foreach (var p in probabilities) total += p;
        double target = random.NextDouble() * total, cumulative = 0;
        int last = -1;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] <= 0) continue;
            cumulative += probabilities[i];
            last = i;
            if (target < cumulative) return i;
        }
        return last >= 0 ? last : throw new InvalidOperationException("Cannot sample from a distribution with no positive probability.");
    }

    static void KeepTopK(double[] probabilities, int k)
    {
        var sorted = (double[])probabilities.Clone();
        Array.Sort(sorted);
        double threshold = sorted[^k];
        int kept = 0;
        // Ties at the threshold are broken by id so that exactly k tokens stay.
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] > threshold) kept++;
        }
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] > threshold) continue;
            if (probabilities[i] == threshold && kept < k) kept++;
            else probabilities[i] = 0;
        }
        Normalize(probabilities);
    }

    static void KeepTopP(double[] probabilities, double p)
    {
        var order = Enumerable.Range(0, probabilities.Length).OrderByDescending(i => probabilities[i]).ThenBy(i => i).ToArray();
        double cumulative = 0;
        int keep = 0;
        while (keep < order.Length && cumulative < p)
        {
            cumulative += probabilities[order[keep]];
            keep++;
        }
        for (int j = keep; j < order.Length; j++) probabilities[order[j]] = 0;
        Normalize(probabilities);
    }

    static void Normalize(double[] probabilities)
    {
        double sum = probabilities.Sum();
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] /= sum;
    }
}
