using LinearDsl.Runtime.Training;
using LinearDsl.Runtime.Diagnostics;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary><c>eval DIR</c>: validation perplexity of a checkpoint on a corpus; --json writes it with its unit, the machine and the commit.</summary>
public sealed class EvalCommand(CliEnvironment environment) : Command<EvalSettings>
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public override int Execute(CommandContext context, EvalSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (settings.Json is not null) OutputPaths.CheckFile(settings.Json, "--json");
        using var model = Spinner.Run(console, $"Loading {settings.Directory}", _ => ModelSource.LoadCheckpoint(settings.Directory, "DIR"));
        int modelContext = model.Config?.ContextLength ?? throw new CliException($"'{settings.Directory}' has no model config.");
        // --all keeps every sequence: pack with no validation part and score the training part, which is then the whole text.
        var data = CorpusData.Load(settings, model.VocabSize, modelContext, settings.All ? 0 : settings.Validation, environment);
        var sequences = settings.All ? data.Split.Train : data.Split.Validation;
        int count = Math.Min(settings.Sequences ?? sequences.Count, sequences.Count);

        var clock = Stopwatch.StartNew();
        var result = Spinner.Run(console, "Evaluating", status =>
            ValidationEvaluator.Perplexity(model, sequences, count, settings.Batch, done => status($"Evaluating: {done}/{count} sequences"), cancellationToken));
        clock.Stop();

        string split = settings.All ? "all" : "validation";
        ConsoleText.WriteLine(console, string.Create(Invariant,
            $"perplexity {result.Perplexity:F3} (loss {result.MeanNll:F4} nats/token) on {result.Tokens:N0} tokens: {count} {split} sequences of {data.Context} from {data.CorpusPath}"));
        if (settings.Json is not null)
        {
            JsonFile.Write(settings.Json, new EvalMeasurement
            {
                Value = result.Perplexity, MeanNll = result.MeanNll, Tokens = result.Tokens, Sequences = count, Context = data.Context,
                Split = split, ValidationFraction = settings.All ? null : settings.Validation, Checkpoint = settings.Directory, Corpus = data.CorpusPath,
                Tokenizer = data.Tokenizer.Name, Seconds = clock.Elapsed.TotalSeconds, Machine = RunInfo.Machine, Commit = RunInfo.Commit,
            }, "--json");
            ConsoleText.WriteLine(console, $"wrote {settings.Json}");
        }
        return 0;
    }
}
