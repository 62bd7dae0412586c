namespace LinearDsl.Runtime.Decoding;

/// <summary>Where a row's tokens complete one of <see cref="GenerationOptions.StopTokenSequences"/>.</summary>
internal static class StopTokens
{
    /// <summary>Whether <paramref name="generated"/> followed by the first <paramref name="count"/> of <paramref name="more"/> ends with a stop sequence.</summary>
    public static bool EndsWithStop(GenerationOptions options, IReadOnlyList<long> generated, IReadOnlyList<long> more, int count)
    {
        foreach (var stop in options.StopTokenSequences)
        {
            int length = generated.Count + count;
            if (stop.Count > length) continue;
            bool match = true;
            for (int i = 0; i < stop.Count && match; i++)
            {
                int at = length - stop.Count + i;
                match = (at < generated.Count ? generated[at] : more[at - generated.Count]) == stop[i];
            }
            if (match) return true;
        }
        return false;
    }

    /// <summary>How many of <paramref name="proposal"/> a row keeps: through the first token that completes a stop sequence, else all.</summary>
    public static int Kept(GenerationOptions options, IReadOnlyList<long> generated, IReadOnlyList<long> proposal, int limit)
    {
        if (options.StopTokenSequences.Count == 0) return limit;
        for (int i = 1; i <= limit; i++)
        {
            if (EndsWithStop(options, generated, proposal, i)) return i;
        }
        return limit;
    }
}
