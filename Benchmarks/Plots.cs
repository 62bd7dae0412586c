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

    /// <summary>
    /// Where trees stop paying on the bundled pair: the speed-up of every tree, heads and chain row against the
    /// candidates each target call checks, and what one target verification of n nodes costs in steps.
    /// </summary>
    public static void Trees(IReadOnlyList<SpeculativeMeasurement> rows, IReadOnlyList<VerifyCostMeasurement> costs, string path)
    {
        using var plot = new Plot();
        void Series(string label, Func<SpeculativeMeasurement, bool> pick)
        {
            var chosen = rows.Where(pick).OrderBy(r => r.NodesPerTargetCall).ToArray();
            if (chosen.Length == 0) return;
            var scatter = plot.Add.Scatter(chosen.Select(r => r.NodesPerTargetCall).ToArray(), chosen.Select(r => r.Speedup).ToArray());
            scatter.LegendText = label;
            scatter.MarkerSize = 7;
            scatter.LineWidth = 0;
        }
        Series("speed-up: chain (draft)", r => r.Mode.StartsWith("bundled chain", StringComparison.Ordinal));
        Series("speed-up: tree (draft)", r => r.Mode.StartsWith("bundled tree sweep", StringComparison.Ordinal));
        Series("speed-up: heads", r => r.Mode.StartsWith("bundled heads sweep", StringComparison.Ordinal));
        Series("speed-up: heads+draft", r => r.Mode.StartsWith("bundled heads+draft sweep", StringComparison.Ordinal));
        var verify = costs.Where(c => c.Model == "target" && c.Form.StartsWith("tree verify", StringComparison.Ordinal)).OrderBy(c => c.Nodes).ToArray();
        if (verify.Length > 0)
        {
            var cost = plot.Add.Scatter(verify.Select(c => (double)c.Nodes).ToArray(), verify.Select(c => c.StepsPerCall).ToArray());
            cost.LegendText = "target tree verification (steps per call)";
            cost.LinePattern = LinePattern.Dotted;
        }
        var even = plot.Add.HorizontalLine(1);
        even.LinePattern = LinePattern.Dashed;
        plot.Axes.SetLimitsX(0, 34);
        plot.Axes.SetLimitsY(0, 4);
        plot.Title("Bundled pair: speed-up against candidates per target call (greedy, identical text)");
        plot.XLabel("candidate tokens per target call");
        plot.YLabel("speed-up over plain / steps per call");
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
