using ScottPlot;

namespace LinearDsl.Study;

/// <summary>The encoder and seq2seq studies' PNG figures: validation and training loss against step, per variant.</summary>
public static class EncoderStudyPlots
{
    public const string ValidationLossFile = "validation-loss.png";
    public const string TrainingLossFile = "training-loss.png";

    static readonly ScottPlot.Palettes.Category20 Palette = new();

    /// <summary>Writes the encoder study's figures into <paramref name="folder"/> and returns their file names.</summary>
    public static IReadOnlyList<string> Write(EncoderStudyReport report, string folder)
        => Write(report.Variants.Select(v => (v.Name, v.Bidirectional, v.Training)).ToArray(), folder, "masked-LM loss (nats per masked byte)", report.Budget.Name);

    /// <summary>Writes the seq2seq study's figures into <paramref name="folder"/> and returns their file names.</summary>
    public static IReadOnlyList<string> Write(Seq2SeqStudyReport report, string folder)
        => Write(report.Variants.Select(v => (v.Name, v.EncoderBidirectional, v.Training)).ToArray(), folder, "span-corruption loss (nats per target token)", report.Budget.Name);

    static IReadOnlyList<string> Write((string Name, bool Bidirectional, StudyTraining Training)[] variants, string folder, string loss, string budget)
    {
        using (var plot = new Plot())
        {
            foreach (var (variant, index) in variants.Select((v, i) => (v, i)))
            {
                var evaluations = variant.Training.Evaluations;
                if (evaluations.Count == 0) continue;
                Style(plot.Add.Scatter(evaluations.Select(e => (double)e.Step).ToArray(), evaluations.Select(e => e.Loss).ToArray()), variant.Name, variant.Bidirectional, index);
            }
            Finish(plot, $"Validation {loss.Split(' ')[0]} loss against step, {budget} budget", "training step", "validation " + loss, Path.Combine(folder, ValidationLossFile));
        }
        using (var plot = new Plot())
        {
            foreach (var (variant, index) in variants.Select((v, i) => (v, i)))
            {
                var losses = variant.Training.Losses;
                if (losses.Count == 0) continue;
                int window = Math.Max(1, losses.Count / 40);
                var smoothed = Enumerable.Range(0, losses.Count).Select(i => losses.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();
                var line = plot.Add.Scatter(Enumerable.Range(1, losses.Count).Select(s => (double)s).ToArray(), smoothed);
                Style(line, variant.Name, variant.Bidirectional, index);
                line.MarkerSize = losses.Count == 1 ? 5 : 0;
            }
            Finish(plot, "Training loss against step (moving average)", "training step", "training " + loss, Path.Combine(folder, TrainingLossFile));
        }
        return [ValidationLossFile, TrainingLossFile];
    }

    static void Style(ScottPlot.Plottables.Scatter line, string name, bool bidirectional, int index)
    {
        line.LegendText = name;
        line.Color = Palette.GetColor(index);
        line.MarkerSize = 5;
        line.LineWidth = 1.5f;
        // Solid: a bidirectional encoder; dashed: a causal one.
        line.LinePattern = bidirectional ? LinePattern.Solid : LinePattern.Dashed;
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
