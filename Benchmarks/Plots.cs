using ScottPlot;

namespace LinearDsl.Benchmarks;

/// <summary>PNG figures next to a benchmark's JSON: what a person would rather look at than read.</summary>
public static class Plots
{
    /// <summary>Decode milliseconds per token against context, one line per mixer (log-scaled context axis).</summary>
    public static void DecodeLatency(IReadOnlyList<Measurement> results, string path)
    {
        using var plot = new Plot();
        foreach (var mixer in results.Where(r => r.Benchmark == "decode" && r.Context > 0).Select(r => r.Mixer).Distinct())
        {
            var rows = results.Where(r => r.Benchmark == "decode" && r.Mixer == mixer).OrderBy(r => r.Context).ToArray();
            var line = plot.Add.Scatter(rows.Select(r => Math.Log2(r.Context)).ToArray(), rows.Select(r => r.Ms).ToArray());
            line.LegendText = mixer;
            line.MarkerSize = 7;
        }
        var floor = results.FirstOrDefault(r => r.Mixer == "projections-only");
        if (floor is not null)
        {
            var line = plot.Add.HorizontalLine(floor.Ms);
            line.LegendText = "projections only";
            line.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            results.Where(r => r.Benchmark == "decode" && r.Context > 0).Select(r => r.Context).Distinct().Order()
                .Select(c => new Tick(Math.Log2(c), c.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray());
        plot.Title("Decode latency of one layer against context");
        plot.XLabel("context (tokens)");
        plot.YLabel("ms per token");
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path);
    }

    /// <summary>Acceptance rate and speed-up against the number of draft tokens.</summary>
    public static void Speculation(IReadOnlyList<SpeculativeMeasurement> rows, string path)
    {
        using var plot = new Plot();
        var fixedLength = rows.Where(r => r.Mode.StartsWith("speculative m=", StringComparison.Ordinal) && r.Draft == "first layer").ToArray();
        double[] m = fixedLength.Select(r => double.Parse(r.DraftTokens, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var acceptance = plot.Add.Scatter(m, fixedLength.Select(r => r.AcceptanceRate).ToArray());
        acceptance.LegendText = "acceptance rate";
        acceptance.MarkerSize = 7;
        var speedup = plot.Add.Scatter(m, fixedLength.Select(r => r.Speedup).ToArray());
        speedup.LegendText = "speed-up over plain";
        speedup.MarkerSize = 7;
        var even = plot.Add.HorizontalLine(1);
        even.LinePattern = LinePattern.Dashed;
        plot.Title("Speculative decoding against draft length (greedy, identical output)");
        plot.XLabel("draft tokens per round (m)");
        plot.YLabel("rate / speed-up");
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path);
    }

    static void Save(Plot plot, string path)
    {
        string temp = path + ".tmp.png";
        plot.SavePng(temp, 900, 540);
        File.Move(temp, path, overwrite: true);
    }
}
