namespace LinearDsl.Cli;

/// <summary>The median that every timing of the command line reports (bench and its call costs, the study).</summary>
public static class Medians
{
    /// <summary>The middle value, or the mean of the two middle ones for an even count; NaN when there is none.</summary>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
