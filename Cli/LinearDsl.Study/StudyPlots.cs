using System.Globalization;
using ScottPlot;

namespace LinearDsl.Study;

/// <summary>The study's PNG figures: validation and training loss per step, decode latency and state memory against context.</summary>
public static class StudyPlots
{
    public const string ValidationLossFile = "validation-loss.png";
    public const string TrainingLossFile = "training-loss.png";
    public const string DecodeLatencyFile = "decode-latency.png";
    public const string MemoryFile = "memory.png";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    static readonly ScottPlot.Palettes.Category20 Palette = new();

    /// <summary>Writes the four figures into <paramref name="folder"/> and returns their file names.</summary>
    public static IReadOnlyList<string> Write(StudyReport report, string folder)
    {
        ValidationLoss(report, Path.Combine(folder, ValidationLossFile));
        TrainingLoss(report, Path.Combine(folder, TrainingLossFile));
        DecodeLatency(report, Path.Combine(folder, DecodeLatencyFile));
        Memory(report, Path.Combine(folder, MemoryFile));
        return [ValidationLossFile, TrainingLossFile, DecodeLatencyFile, MemoryFile];
    }

    static void ValidationLoss(StudyReport report, string path)
    {
        using var plot = new Plot();
        foreach (var (variant, index) in report.Variants.Select((v, i) => (v, i)))
        {
            var evaluations = variant.Training.Evaluations;
            if (evaluations.Count == 0) continue;
            var line = plot.Add.Scatter(evaluations.Select(e => (double)e.Step).ToArray(), evaluations.Select(e => e.Loss).ToArray());
            Style(line, variant, index);
        }
        Finish(plot, $"Validation loss (teacher-forced) against step, {report.Budget.Name} budget", "training step", "validation loss (nats per byte)", path);
    }

    static void TrainingLoss(StudyReport report, string path)
    {
        using var plot = new Plot();
        foreach (var (variant, index) in report.Variants.Select((v, i) => (v, i)))
        {
            var losses = variant.Training.Losses;
            if (losses.Count == 0) continue;
            int window = Math.Max(1, losses.Count / 40);
            var smoothed = Enumerable.Range(0, losses.Count).Select(i => losses.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();
            var line = plot.Add.Scatter(Enumerable.Range(1, losses.Count).Select(s => (double)s).ToArray(), smoothed);
            Style(line, variant, index);
            line.MarkerSize = losses.Count == 1 ? 5 : 0;
        }
        Finish(plot, "Training loss against step (moving average)", "training step", "training loss (nats per byte)", path);
    }

    static void DecodeLatency(StudyReport report, string path)
    {
        using var plot = new Plot();
        foreach (var (variant, index) in report.Variants.Select((v, i) => (v, i)))
        {
            if (variant.Decode is not { Count: > 0 } points) continue;
            var line = plot.Add.Scatter(points.Select(p => Math.Log2(p.Context)).ToArray(), points.Select(p => p.MsPerToken).ToArray());
            Style(line, variant, index);
        }
        ContextTicks(plot, report);
        Finish(plot, "Decode latency of the whole model against context (batch 1)", "context (tokens in the state)", "ms per token", path);
    }

    static void Memory(StudyReport report, string path)
    {
        using var plot = new Plot();
        var all = new List<double>();
        foreach (var (variant, index) in report.Variants.Select((v, i) => (v, i)))
        {
            if (variant.Decode is not { Count: > 0 } points) continue;
            var bytes = points.Select(p => Math.Log10(Math.Max(1, p.StateBytes))).ToArray();
            all.AddRange(bytes);
            var line = plot.Add.Scatter(points.Select(p => Math.Log2(p.Context)).ToArray(), bytes);
            Style(line, variant, index);
        }
        ContextTicks(plot, report);
        if (all.Count > 0)
        {
            int low = (int)Math.Floor(all.Min()), high = (int)Math.Ceiling(all.Max());
            if (high == low) high++;
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                Enumerable.Range(low, high - low + 1).Select(e => new Tick(e, StudyFindings.Bytes((long)Math.Pow(10, e)))).ToArray());
            plot.Axes.SetLimitsY(low - 0.1, high + 0.1);
        }
        Finish(plot, "Decoding state (KV cache or recurrent state) against context, all layers", "context (tokens in the state)", "state bytes (log scale)", path);
    }

    static void ContextTicks(Plot plot, StudyReport report)
    {
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            report.Budget.DecodeContexts.Distinct().Order().Select(c => new Tick(Math.Log2(c), c.ToString(Invariant))).ToArray());
    }

    static void Style(ScottPlot.Plottables.Scatter line, StudyVariantReport variant, int index)
    {
        line.LegendText = variant.Name;
        line.Color = Palette.GetColor(index);
        line.MarkerSize = 5;
        line.LineWidth = variant.Key == StudyVariants.Method ? 3 : 1.5f;
        line.LinePattern = variant.Group switch
        {
            "leaky" => LinePattern.Dotted,
            "linear" => LinePattern.Dashed,
            _ => LinePattern.Solid,
        };
    }

    /// <summary>Titles and labels the figure, puts the legend on the right and writes it.</summary>
    static void Finish(Plot plot, string title, string xLabel, string yLabel, string path)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        StudyFiles.Write(path, "the figure", stream => stream.Write(plot.GetImageBytes(1200, 620, ImageFormat.Png)));
    }
}
