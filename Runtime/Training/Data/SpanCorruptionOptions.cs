namespace LinearDsl.Runtime.Data;

/// <summary>
/// T5-style span corruption: <see cref="NoiseDensity"/> of a row's tokens, in spans of <see cref="MeanSpanLength"/>
/// on average, are cut out; the source keeps the rest with one sentinel per span, and the target lists each sentinel
/// followed by its span, then one closing sentinel. Sentinel i is the id <see cref="FirstSentinel"/> + i.
/// </summary>
public sealed record SpanCorruptionOptions
{
    /// <summary>The id of the first sentinel; the ids from it up are reserved for sentinels (one per span, plus the closing one).</summary>
    public required int FirstSentinel { get; init; }

    /// <summary>Share of the tokens cut out (T5: 0.15).</summary>
    public double NoiseDensity { get; init; } = 0.15;

    /// <summary>Mean length of a cut-out span (T5: 3).</summary>
    public double MeanSpanLength { get; init; } = 3;

    /// <summary>What is wrong with these options, one line each (empty when they can be used).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (FirstSentinel < 0) problems.Add($"The first sentinel id must be 0 or more, got {FirstSentinel}.");
        if (!(NoiseDensity > 0 && NoiseDensity < 1)) problems.Add($"The noise density must be in (0, 1), got {NoiseDensity}.");
        if (!(MeanSpanLength >= 1) || double.IsInfinity(MeanSpanLength)) problems.Add($"The mean span length must be at least 1, got {MeanSpanLength}.");
        return problems;
    }
}
