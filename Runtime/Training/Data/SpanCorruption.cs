namespace LinearDsl.Runtime.Data;

/// <summary>One row after span corruption (see <see cref="SpanCorruption"/>).</summary>
/// <param name="Source">The text with each cut-out span replaced by its sentinel.</param>
/// <param name="Target">Sentinel 0, span 0, sentinel 1, span 1, ..., and the closing sentinel.</param>
/// <param name="Spans">The cut-out spans, in order.</param>
public sealed record CorruptedText(long[] Source, long[] Target, IReadOnlyList<long[]> Spans);

/// <summary>
/// T5's span corruption with a fixed number of noise tokens and spans per row length (so every row of a length has
/// the same source and target lengths and batches need no padding), their segmentation drawn from the row's seed.
/// </summary>
public static class SpanCorruption
{
    /// <summary>Noise tokens and spans of a row of <paramref name="length"/> tokens (T5's random_spans_noise_mask counts).</summary>
    public static (int Noise, int Spans) Counts(int length, SpanCorruptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), length, "Span corruption needs rows of at least 2 tokens.");
        int noise = Math.Clamp((int)Math.Round(length * options.NoiseDensity), 1, length - 1);
        int spans = Math.Clamp((int)Math.Round(noise / options.MeanSpanLength), 1, Math.Min(noise, length - noise));
        return (noise, spans);
    }

    /// <summary>Source and target lengths of every row of <paramref name="length"/> tokens.</summary>
    public static (int Source, int Target) Lengths(int length, SpanCorruptionOptions options)
    {
        var (noise, spans) = Counts(length, options);
        return (length - noise + spans, noise + spans + 1);
    }

    /// <summary>Sentinel ids a row of <paramref name="length"/> tokens uses (one per span and the closing one).</summary>
    public static int SentinelCount(int length, SpanCorruptionOptions options) => Counts(length, options).Spans + 1;

    /// <summary>Corrupts <paramref name="text"/>; the same seed always cuts the same spans.</summary>
    public static CorruptedText Corrupt(ReadOnlySpan<long> text, ulong seed, SpanCorruptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(problems[0], nameof(options));
        foreach (long token in text)
        {
            if (token >= options.FirstSentinel)
                throw new ArgumentException($"The text holds token {token}, at or above the first sentinel {options.FirstSentinel}; sentinels must be ids the text never uses.", nameof(text));
        }
        var (noise, spanCount) = Counts(text.Length, options);
        var random = new SplitMix64(seed);
        var noiseLengths = Segment(noise, spanCount, ref random);
        var keptLengths = Segment(text.Length - noise, spanCount, ref random);
        var source = new List<long>(text.Length - noise + spanCount);
        var target = new List<long>(noise + spanCount + 1);
        var spans = new List<long[]>(spanCount);
        int at = 0;
        for (int i = 0; i < spanCount; i++)
        {
            foreach (long token in text.Slice(at, keptLengths[i])) source.Add(token);
            at += keptLengths[i];
            source.Add(options.FirstSentinel + i);
            var span = text.Slice(at, noiseLengths[i]).ToArray();
            at += noiseLengths[i];
            spans.Add(span);
            target.Add(options.FirstSentinel + i);
            target.AddRange(span);
        }
        target.Add(options.FirstSentinel + spanCount);
        return new CorruptedText(source.ToArray(), target.ToArray(), spans);
    }

    /// <summary>The text back from a source and its target: each sentinel of the source replaced by the span after it in the target.</summary>
    public static long[] Restore(ReadOnlySpan<long> source, ReadOnlySpan<long> target, int firstSentinel)
    {
        var spans = ReadSpans(target, firstSentinel);
        var text = new List<long>(source.Length + target.Length);
        foreach (long token in source)
        {
            if (token < firstSentinel) text.Add(token);
            else if (spans.TryGetValue(token, out var span)) text.AddRange(span);
            else throw new ArgumentException($"The source's sentinel {token} has no span in the target.", nameof(target));
        }
        return text.ToArray();
    }

    /// <summary>The span after each sentinel of <paramref name="target"/> (up to the next sentinel), by sentinel id; a repeated sentinel keeps its first span.</summary>
    public static Dictionary<long, long[]> ReadSpans(ReadOnlySpan<long> target, int firstSentinel)
    {
        var spans = new Dictionary<long, long[]>();
        long current = -1;
        var tokens = new List<long>();
        void Close()
        {
            if (current >= 0) spans.TryAdd(current, tokens.ToArray());
            tokens.Clear();
        }
        foreach (long token in target)
        {
            if (token >= firstSentinel)
            {
                Close();
                current = token;
            }
            else if (current >= 0) tokens.Add(token);
        }
        Close();
        return spans;
    }

    /// <summary><paramref name="total"/> split into <paramref name="parts"/> positive lengths, the cut points uniform among the total - 1 gaps.</summary>
    static int[] Segment(int total, int parts, ref SplitMix64 random)
    {
        var gaps = new int[total - 1];
        for (int i = 0; i < gaps.Length; i++) gaps[i] = i + 1;
        for (int i = 0; i < parts - 1; i++)
        {
            int j = i + random.NextBelow(gaps.Length - i);
            (gaps[i], gaps[j]) = (gaps[j], gaps[i]);
        }
        var cuts = gaps.AsSpan(0, parts - 1).ToArray();
        Array.Sort(cuts);
        var lengths = new int[parts];
        int previous = 0;
        for (int i = 0; i < parts - 1; i++)
        {
            lengths[i] = cuts[i] - previous;
            previous = cuts[i];
        }
        lengths[parts - 1] = total - previous;
        return lengths;
    }
}
