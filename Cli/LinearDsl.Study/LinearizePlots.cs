using ScottPlot;

namespace LinearDsl.Study;

/// <summary>The linearization study's PNG figures: validation loss of every run, gap recovered against trainable parameters, and loss against total tokens.</summary>
public static class LinearizePlots
{
    public const string LossFile = "linearize-loss.png";
    public const string GapFile = "linearize-gap.png";
    public const string TokensFile = "linearize-tokens.png";

    static readonly ScottPlot.Palettes.Category10 Palette = new();

    /// <summary>Writes the three figures into <paramref name="folder"/> and returns their file names.</summary>
    public static IReadOnlyList<string> Write(LinearizeReport report, string folder)
    {
        Losses(report, Path.Combine(folder, LossFile));
        Gap(report, Path.Combine(folder, GapFile));
        TokensPlot(report, Path.Combine(folder, TokensFile));
        return [LossFile, GapFile, TokensFile];
    }

    /// <summary>The runs of a variant in plotting order, with their labels: linearized, each recipe at each fraction, from scratch.</summary>
    static List<(string Label, double Loss)> Columns(LinearizeVariantReport v)
    {
        var columns = new List<(string, double)> { ("linearized, untrained", v.Linearized.Loss) };
        columns.AddRange(v.Runs.Append(v.Scratch).Select(r => (LinearizeFindings.RunName(r), r.Validation.Loss)));
        return columns;
    }

    static void Losses(LinearizeReport report, string path)
    {
        using var plot = new Plot();
        var labels = report.Variants.SelectMany(Columns).Select(c => c.Label).Distinct().ToList();
        double width = labels.Count + 1;
        foreach (var (label, index) in labels.Select((l, i) => (l, i)))
        {
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var (v, position) in report.Variants.Select((v, i) => (v, i)))
            {
                var column = Columns(v).FirstOrDefault(c => c.Label == label);
                if (column.Label is null) continue;
                xs.Add(position * width + index);
                ys.Add(column.Loss);
            }
            var points = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            points.LegendText = label;
            points.Color = Palette.GetColor(index);
            points.LineWidth = 0;
            points.MarkerSize = 10;
        }
        double end = Math.Max(1, report.Variants.Count) * width - 1;
        var teacher = plot.Add.Scatter(new[] { -1.0, end }, new[] { report.Teacher.Validation.Loss, report.Teacher.Validation.Loss });
        teacher.LegendText = "softmax teacher";
        teacher.Color = Colors.Black;
        teacher.LinePattern = LinePattern.Dashed;
        teacher.MarkerSize = 0;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            report.Variants.Select((v, i) => new Tick(i * width + (labels.Count - 1) / 2.0, v.Name)).ToArray());
        Finish(plot, $"Validation loss of every run, {report.Budget.Name} budget", "linear variant", "validation loss (nats per byte)", path);
    }

    static void Gap(LinearizeReport report, string path)
    {
        using var plot = new Plot();
        int index = 0;
        foreach (var v in report.Variants)
        {
            foreach (var recipe in new[] { LinearizeRunReport.FullFineTune, LinearizeRunReport.TransferLora })
            {
                var runs = v.Runs.Where(r => r.Recipe == recipe && r.GapRecovered is not null && r.TrainableParameters > 0).ToArray();
                if (runs.Length == 0) continue;
                var points = plot.Add.Scatter(runs.Select(r => Math.Log10(r.TrainableParameters)).ToArray(), runs.Select(r => r.GapRecovered!.Value).ToArray());
                points.LegendText = $"{v.Name}, {(recipe == LinearizeRunReport.FullFineTune ? "(a) full" : "(b) transfer+LoRA")}";
                points.Color = Palette.GetColor(index / 2);
                points.LinePattern = recipe == LinearizeRunReport.FullFineTune ? LinePattern.Solid : LinePattern.Dashed;
                points.MarkerSize = 8;
                index++;
            }
            if (index % 2 == 1) index++;
        }
        Finish(plot, "Teacher gap recovered against trainable parameters", "trainable parameters (log10)", "share of the teacher gap recovered", path);
    }

    static void TokensPlot(LinearizeReport report, string path)
    {
        using var plot = new Plot();
        long tokensPerStep = (long)report.Budget.Batch * report.Context;
        void Curve(IReadOnlyList<StudyEvaluation> evaluations, long offset, string label, Color color, LinePattern pattern)
        {
            if (evaluations.Count == 0) return;
            var line = plot.Add.Scatter(evaluations.Select(e => (offset + e.Step * tokensPerStep) / 1e6).ToArray(), evaluations.Select(e => e.Loss).ToArray());
            line.LegendText = label;
            line.Color = color;
            line.LinePattern = pattern;
            line.MarkerSize = 4;
        }
        Curve(report.Teacher.Training.Evaluations, 0, "softmax teacher (pretraining)", Colors.Black, LinePattern.Solid);
        if (report.Teacher.Continued is { } continued)
            Curve(continued.Training.Evaluations, report.PretrainingTokens, $"softmax teacher, {LinearizeFindings.RunName(continued)}", Colors.Black, LinePattern.Dashed);
        double largest = report.Budget.FineTuneFractions.Max();
        foreach (var (v, index) in report.Variants.Select((v, i) => (v, i)))
        {
            var color = Palette.GetColor(index);
            Curve(v.Scratch.Training.Evaluations, 0, $"{v.Name}, from scratch", color, LinePattern.Dotted);
            if (v.Run(LinearizeRunReport.FullFineTune, largest) is { } a) Curve(a.Training.Evaluations, report.PretrainingTokens, $"{v.Name}, {LinearizeFindings.RunName(a)}", color, LinePattern.Solid);
            if (v.Run(LinearizeRunReport.TransferLora, largest) is { } b) Curve(b.Training.Evaluations, report.PretrainingTokens, $"{v.Name}, {LinearizeFindings.RunName(b)}", color, LinePattern.Dashed);
        }
        Finish(plot, "Validation loss against total training tokens", "tokens trained on in all, the teacher's pretraining included for a linearized model (millions)", "validation loss (nats per byte)", path);
    }

    static void Finish(Plot plot, string title, string xLabel, string yLabel, string path)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        StudyFiles.Write(path, "the figure", stream => stream.Write(plot.GetImageBytes(1200, 620, ImageFormat.Png)));
    }
}
