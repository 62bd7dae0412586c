using ScottPlot;

namespace LinearDsl.Cli;

/// <summary>loss.png next to a trained model: training loss per step and validation loss at each evaluation.</summary>
public static class LossCurvePlot
{
    /// <summary>File name in the output directory.</summary>
    public const string FileName = "loss.png";

    /// <summary>Draws <paramref name="log"/>'s curves into a PNG at <paramref name="path"/> (written under a temporary name, then renamed).</summary>
    /// <exception cref="CliException">The file cannot be written.</exception>
    public static void Write(TrainingLog log, string path)
    {
        using var plot = new Plot();
        double[] steps = Enumerable.Range(1, log.Losses.Count).Select(s => (double)s).ToArray();
        var train = plot.Add.Scatter(steps, log.Losses.ToArray());
        train.LegendText = "train loss";
        train.MarkerSize = log.Losses.Count == 1 ? 5 : 0;
        train.LineWidth = 1.5f;
        if (log.Evaluations.Count > 0)
        {
            var validation = plot.Add.Scatter(log.Evaluations.Select(e => (double)e.Step).ToArray(), log.Evaluations.Select(e => e.Loss).ToArray());
            validation.LegendText = "validation loss";
            validation.MarkerSize = 7;
            validation.LineWidth = 1.5f;
        }
        plot.Title($"{log.Command}: {log.Model}");
        plot.XLabel("step");
        plot.YLabel("loss (nats per token)");
        plot.ShowLegend(Alignment.UpperRight);
        PngFile.Write(plot, path, 900, 540, "the loss curve");
    }
}
