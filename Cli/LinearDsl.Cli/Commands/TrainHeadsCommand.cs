using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>train-heads --model DIR --out DIR</c>: trains Medusa heads on the model's own greedy continuations of the
/// corpus with the backbone frozen, and writes the model with its heads and heads-log.json (per-head accuracy on
/// held-out continuations). The checkpoint is written to a temporary folder next to --out and moved into place, so
/// --out is never half-written; every input is checked before the model writes a token.
/// </summary>
public sealed class TrainHeadsCommand(CliEnvironment environment) : Command<TrainHeadsSettings>
{
    /// <summary>File name of the run's log in --out.</summary>
    public const string LogFileName = "heads-log.json";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public override int Execute(CommandContext context, TrainHeadsSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        string source = settings.Model!;
        OutputPaths.CheckNotInput(settings.Out, "--out", source, "--model");
        OutputPaths.CheckDirectory(settings.Out, "--out");
        string output = Path.GetFullPath(settings.Out);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new CliException($"--out '{settings.Out}' exists and is not empty; give a new directory (nothing is written over).");
        if (settings.Corpus is string corpusFile && !File.Exists(corpusFile)) throw new CliException($"corpus file '{corpusFile}' (--corpus) does not exist.");

        using var backbone = Spinner.Run(console, $"Loading {source}", _ => ModelSource.LoadCheckpoint(source, "--model"));
        if (backbone.HasInt8Weights)
            throw new CliException($"'{source}' (--model) holds int8 weights; train heads on its float checkpoint (the heads stay float either way).");
        var tokenizer = TokenizerChoice.Create(settings.Tokenizer, backbone.VocabSize);
        string corpusPath = settings.Corpus ?? BundledCorpus.Locate(environment.SearchRoots);
        var corpus = Spinner.Run(console, $"Reading {corpusPath}", _ => TokenCorpus.FromFile(corpusPath, tokenizer));
        var options = new MedusaTrainingOptions
        {
            Steps = settings.Steps,
            BatchSize = settings.Batch,
            LearningRate = settings.LearningRate,
            WarmupSteps = Math.Min(20, settings.Steps),
            Seed = (ulong)settings.Seed,
            TrainSequences = settings.Sequences,
            ValidationSequences = settings.ValidationSequences,
            PromptLength = settings.PromptLength,
            ContinuationLength = settings.Continuation,
        };
        using var model = MedusaTraining.WithHeads(backbone, new MedusaSpec(settings.Heads, settings.HeadLayers) { Storage = settings.Float16Heads ? MedusaStorage.Float16 : MedusaStorage.ModelType });
        MedusaTrainingResult result;
        try
        {
            result = Spinner.Run(console, "Writing greedy continuations", status => MedusaTraining.Train(model, corpus, options,
                new InlineProgress(p => status(p.Phase == "generating"
                    ? $"Writing greedy continuations {p.Done}/{p.Total}"
                    : string.Create(Invariant, $"Training heads: step {p.Done}/{p.Total}, loss {p.Loss:F3}"))), cancellationToken));
        }
        catch (ArgumentException error)
        {
            throw new CliException(ErrorReporter.OneLine(error.Message));
        }
        catch (InvalidOperationException error)
        {
            throw new CliException(error.Message);
        }

        var log = new HeadsLog(source, corpusPath, tokenizer.Name, settings.Heads, settings.HeadLayers, options.Steps, options.BatchSize, options.LearningRate,
            settings.Seed, options.TrainSequences, options.ValidationSequences, options.PromptLength, options.ContinuationLength,
            result.InitialAccuracy, result.Accuracy, result.Top5Accuracy, result.Losses);
        string temporary = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.train-heads-{Guid.NewGuid():N}");
        try
        {
            TrainingRun.SaveOrRescue(directory =>
            {
                Checkpoint.Save(model, directory);
                JsonFile.Write(Path.Combine(directory, LogFileName), log, "the heads' training log");
            }, temporary);
            if (Directory.Exists(output)) Directory.Delete(output);
            Directory.Move(temporary, output);
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }

        ConsoleText.WriteLine(console, string.Create(Invariant,
            $"train-heads: {settings.Heads} heads on {options.TrainSequences} greedy continuations of {options.ContinuationLength} tokens, {options.Steps} steps, final loss {result.Losses[^1]:F3}"));
        for (int i = 0; i < result.Accuracy.Count; i++)
            ConsoleText.WriteLine(console, string.Create(Invariant,
                $"head {i} (token +{i + 2}): top-1 {result.Accuracy[i]:P1} (untrained {result.InitialAccuracy[i]:P1}), top-5 {result.Top5Accuracy[i]:P1} on {options.ValidationSequences} held-out continuations"));
        ConsoleText.WriteLine(console, $"model with heads: {settings.Out}");
        return 0;
    }

    /// <summary>An IProgress that reports on the training thread (Progress&lt;T&gt; would post to a context).</summary>
    sealed class InlineProgress(Action<MedusaTrainingProgress> report) : IProgress<MedusaTrainingProgress>
    {
        public void Report(MedusaTrainingProgress value) => report(value);
    }

    /// <summary>heads-log.json: the command's settings and results.</summary>
    sealed record HeadsLog(string Model, string Corpus, string Tokenizer, int Heads, int HeadLayers, int Steps, int Batch, double LearningRate, int Seed,
        int TrainSequences, int ValidationSequences, int PromptLength, int ContinuationLength,
        IReadOnlyList<double> InitialTop1, IReadOnlyList<double> Top1, IReadOnlyList<double> Top5, IReadOnlyList<double> Losses);
}
