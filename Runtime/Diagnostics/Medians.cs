namespace LinearDsl.Runtime.Diagnostics;

/// <summary>The one median of every timing the command line, the study and the benchmarks report.</summary>
internal static class Medians
{
    /// <summary>The middle value, or the mean of the two middle ones for an even count; NaN when there is none.</summary>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
