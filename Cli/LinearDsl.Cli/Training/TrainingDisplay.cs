using System.Globalization;
using LinearDsl.Runtime.Training;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>
/// Shows a training run: on an interactive console a progress bar whose label carries step, loss, learning rate,
/// tokens/s and ETA; on redirected output plain lines (about twenty per run, plus every evaluation and checkpoint).
/// </summary>
public static class TrainingDisplay
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Runs <paramref name="train"/> with a progress reporter for <paramref name="totalSteps"/> steps, <paramref name="doneSteps"/> of them done already.</summary>
    public static TrainingResult Run(IAnsiConsole console, int totalSteps, int doneSteps, Func<IProgress<TrainingProgress>, TrainingResult> train)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            int every = Math.Max(1, totalSteps / 20);
            return train(new Reporter(p =>
            {
                if (p.Step % every == 0 || p.Step == p.TotalSteps) ConsoleText.WriteLine(console, Line(p));
                Notes(p, line => ConsoleText.WriteLine(console, line));
            }));
        }
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape($"step {doneSteps}/{totalSteps}"), maxValue: totalSteps);
                task.Value = doneSteps;
                return train(new Reporter(p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape(Line(p));
                    Notes(p, line => console.WriteLine(line));
                }));
            });
    }

    /// <summary>"step 40/100  loss 2.7311  lr 2.85e-04  10234 tokens/s  eta 0:00:12".</summary>
    public static string Line(TrainingProgress p) => string.Create(Invariant,
        $"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  lr {p.LearningRate:0.00e+00}  {p.TokensPerSecond:F0} tokens/s  eta {Duration(p.EstimatedRemaining)}");

    /// <summary>"0:01:05" (hours:minutes:seconds).</summary>
    public static string Duration(TimeSpan time) => string.Create(Invariant, $"{(int)time.TotalHours}:{time.Minutes:D2}:{time.Seconds:D2}");

    static void Notes(TrainingProgress p, Action<string> writeLine)
    {
        if (p.Evaluation is EvaluationResult e)
        {
            string kl = e.DistillationKl is double value ? string.Create(Invariant, $", KL to target {value:F4}") : string.Empty;
            writeLine(string.Create(Invariant, $"  validation at step {e.Step}: loss {e.MeanNll:F4}, perplexity {e.Perplexity:F2}{kl}"));
        }
        if (p.CheckpointPath is string path) writeLine($"  checkpoint {path}");
    }

    /// <summary>Reports synchronously on the trainer's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
