using LinearDsl.Runtime.Diagnostics;
using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>
/// The shared body of <c>train</c> and <c>distill-draft</c>: open or resume the model, read the corpus, train with a
/// progress display, then save the model, training-log.json and loss.png in --out and print the summary.
/// </summary>
public static class TrainingRun
{
    /// <summary>Folder under --out that holds the training checkpoints.</summary>
    public const string CheckpointsFolder = "checkpoints";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Runs the training that <paramref name="settings"/> describe; <paramref name="target"/> (owned by the caller) turns it into distillation.</summary>
    public static int Execute(string command, TrainingSettings settings, CausalLanguageModel? target, DistillDraftSettings? distill,
        CliEnvironment environment, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        CheckOutput(settings, distill);
        string checkpoints = Path.Combine(settings.Out, CheckpointsFolder);
        string? resumeFrom = ResumePoint(settings, checkpoints);

        // The model's vocabulary and context decide the tokenizer and the sequence length, so read them first.
        var config = resumeFrom is not null
            ? ModelConfigJson.Read(Path.Combine(resumeFrom, TrainingCheckpoint.ModelDirectoryName, Checkpoint.ConfigFileName))
            : null;
        using var fresh = resumeFrom is null ? ModelSource.Open(settings) : null;
        int vocabSize = fresh?.VocabSize ?? config!.VocabSize;
        int context = fresh?.Config?.ContextLength ?? config!.ContextLength;
        if (target is not null && target.VocabSize != vocabSize)
            throw new CliException($"the draft has {vocabSize} tokens but the target '{distill!.Target}' {target.VocabSize}; a draft must share its target's vocabulary.");
        if (target?.Config is ModelConfig targetConfig) context = Math.Min(context, targetConfig.ContextLength);

        var data = CorpusData.Load(settings, vocabSize, context, settings.Validation, environment);
        var options = Options(settings, checkpoints);
        var distillation = target is null ? null : new DistillationOptions { Target = target, Temperature = distill!.KlTemperature, NextTokenWeight = distill.NextTokenWeight };

        using var trainer = Open(fresh, resumeFrom, data, options, distillation);
        int done = trainer.CompletedSteps;
        if (resumeFrom is not null) ConsoleText.WriteLine(console, $"resuming from {resumeFrom} (step {done} of {settings.Steps})");
        ConsoleText.WriteLine(console, string.Create(Invariant,
            $"{command}: {data.Split.Train.Count} training and {data.Split.Validation.Count} validation sequences of {data.Context} tokens ({data.Tokenizer.Name}) from {data.CorpusPath}"));

        var result = Guard(() => TrainingDisplay.Run(console, settings.Steps, done, progress => trainer.Train(progress, cancellationToken)));

        SaveOrRescue(directory => Checkpoint.Save(trainer.Model, directory), settings.Out);
        var log = Log(command, settings, distill, data, trainer, result, resumeFrom is null ? ModelSource.Describe(settings) : $"resumed from {resumeFrom}", resumeFrom is null ? null : done);
        string logPath = Path.Combine(settings.Out, TrainingLog.FileName), plotPath = Path.Combine(settings.Out, LossCurvePlot.FileName);
        JsonFile.Write(logPath, log, "the training log");
        LossCurvePlot.Write(log, plotPath);
        Summary(console, settings.Out, log, logPath, plotPath);
        return 0;
    }

    /// <summary>Refuses, before any work, an --out that cannot be written or that is (or holds, or lies in) a checkpoint being read.</summary>
    /// <exception cref="CliException">The output location is unusable.</exception>
    public static void CheckOutput(TrainingSettings settings, DistillDraftSettings? distill)
    {
        if (settings.From is not null) OutputPaths.CheckNotInput(settings.Out, "--out", settings.From, "--from");
        if (distill?.Target is not null) OutputPaths.CheckNotInput(settings.Out, "--out", distill.Target, "--target");
        OutputPaths.CheckDirectory(settings.Out, "--out");
    }

    /// <summary>
    /// Runs <paramref name="save"/> on <paramref name="directory"/>; when that fails after the work is done, saves to a
    /// new folder under the temporary directory instead, so the trained weights are not lost, and names it in the error.
    /// </summary>
    /// <exception cref="CliException">The save to <paramref name="directory"/> failed (the message names where the model went).</exception>
    public static void SaveOrRescue(Action<string> save, string directory)
    {
        ArgumentNullException.ThrowIfNull(save);
        try
        {
            save(directory);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            string rescue = Path.Combine(Path.GetTempPath(), $"lineardsl-rescued-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}");
            save(rescue);
            throw new CliException($"cannot save the trained model to --out '{directory}' ({ErrorReporter.OneLine(error.Message)}); it was saved to '{rescue}' instead.");
        }
    }

    /// <summary>The latest training checkpoint with --resume; refuses to mix a new run into a folder of old checkpoints.</summary>
    static string? ResumePoint(TrainingSettings settings, string checkpoints)
    {
        string? latest = Directory.Exists(checkpoints) ? TrainingCheckpoint.FindLatest(checkpoints) : null;
        if (settings.Resume)
            return latest ?? throw new CliException($"no training checkpoint under '{checkpoints}' to resume from; run without --resume to start the run.");
        if (latest is not null)
            throw new CliException($"'{checkpoints}' already holds training checkpoints (latest {Path.GetFileName(latest)}); pass --resume to continue that run, or choose another --out.");
        return null;
    }

    static Trainer Open(CausalLanguageModel? fresh, string? resumeFrom, CorpusData data, TrainingOptions options, DistillationOptions? distillation) =>
        resumeFrom is null
            ? new Trainer(fresh!, data.Split, options, distillation)
            : Guard(() => Trainer.Resume(resumeFrom, data.Split, options, distillation));

    /// <summary>Turns the trainer's refusals (a resume with other settings, a loss that became NaN) into the one-line error.</summary>
    static T Guard<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (InvalidOperationException error)
        {
            throw new CliException(error.Message);
        }
    }

    static TrainingOptions Options(TrainingSettings s, string checkpoints) => new()
    {
        Steps = s.Steps,
        BatchSize = s.Batch,
        Seed = (ulong)s.Seed,
        LearningRate = s.LearningRate,
        MinLearningRate = s.MinLearningRate,
        WarmupSteps = s.Warmup,
        WeightDecay = s.WeightDecay,
        GradientClipNorm = s.Clip > 0 ? s.Clip : null,
        EvaluationInterval = s.EvalEvery,
        EvaluationSequences = s.EvalSequences,
        CheckpointDirectory = checkpoints,
        CheckpointInterval = s.CheckpointEvery,
    };

    static TrainingLog Log(string command, TrainingSettings s, DistillDraftSettings? distill, CorpusData data, Trainer trainer, TrainingResult result,
        string model, int? resumedAt)
    {
        var final = result.FinalEvaluation;
        return new TrainingLog
        {
            Command = command,
            Model = model,
            Target = distill?.Target,
            Corpus = data.CorpusPath,
            Tokenizer = data.Tokenizer.Name,
            Context = data.Context,
            TrainSequences = data.Split.Train.Count,
            ValidationSequences = data.Split.Validation.Count,
            Options = new TrainingLogOptions
            {
                Steps = s.Steps, Batch = s.Batch, LearningRate = s.LearningRate, Warmup = s.Warmup, MinLearningRate = s.MinLearningRate,
                WeightDecay = s.WeightDecay, Clip = s.Clip > 0 ? s.Clip : null, Seed = s.Seed, Validation = s.Validation, EvalEvery = s.EvalEvery,
                EvalSequences = s.EvalSequences, CheckpointEvery = s.CheckpointEvery, KlTemperature = distill?.KlTemperature, NextTokenWeight = distill?.NextTokenWeight,
            },
            Steps = result.Steps,
            ResumedAtStep = resumedAt,
            Losses = result.Losses,
            LearningRates = Enumerable.Range(0, result.Losses.Count).Select(step => trainer.Schedule.RateAt(step)).ToArray(),
            Evaluations = result.Evaluations.Select(TrainingLogEvaluation.From).ToArray(),
            FinalTrainLoss = result.Losses.Count > 0 ? result.Losses[^1] : double.NaN,
            ValidationLoss = final?.MeanNll,
            ValidationPerplexity = final?.Perplexity,
            WallTimeSeconds = result.Elapsed.TotalSeconds,
            TokensPerSecond = result.TokensPerSecond,
            Machine = RunInfo.Machine,
            Commit = RunInfo.Commit,
        };
    }

    static void Summary(IAnsiConsole console, string output, TrainingLog log, string logPath, string plotPath)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
        Row("steps", log.Steps.ToString(Invariant));
        Row("final train loss", log.FinalTrainLoss.ToString("F4", Invariant));
        if (log.ValidationLoss is double loss && log.ValidationPerplexity is double perplexity)
            Row("validation", string.Create(Invariant, $"loss {loss:F4}, perplexity {perplexity:F2}"));
        if (log.Evaluations.Count > 0 && log.Evaluations[^1].KlToTarget is double kl)
            Row("KL to target", kl.ToString("F4", Invariant));
        string wall = log.WallTimeSeconds < 60 ? log.WallTimeSeconds.ToString("F1", Invariant) + " s" : TrainingDisplay.Duration(TimeSpan.FromSeconds(log.WallTimeSeconds));
        Row("wall time", wall + string.Create(Invariant, $" ({log.TokensPerSecond:F0} tokens/s)"));
        Row("model", output);
        Row("log", logPath);
        Row("loss curve", plotPath);
        console.Write(grid);
    }
}
