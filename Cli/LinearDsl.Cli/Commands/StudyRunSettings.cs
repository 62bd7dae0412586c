using System.ComponentModel;
using LinearDsl.Study;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>The options that <c>study</c> and <c>linearize-study</c> share, and the checks of every study's settings.</summary>
public abstract class StudyRunSettings : CommandSettings
{
    [CommandOption("--seed <N>")]
    [Description("Seed of the initial weights, the batch order and anything else the run draws (the same for every variant).")]
    [DefaultValue(1)]
    public int Seed { get; set; } = 1;

    [CommandOption("--corpus <FILE>")]
    [Description("UTF-8 text to train and validate on (byte tokenizer; the last 2 % of the sequences are held out). Default: the bundled " + BundledCorpus.CorpusPath + ".")]
    public string? Corpus { get; set; }

    [CommandOption("--draft-tokens <M>")]
    [Description("Tokens the draft proposes per round of speculative decoding.")]
    [DefaultValue(3)]
    public int DraftTokens { get; set; } = 3;

    [CommandOption("--threads <N>")]
    [Description("Torch threads for training and evaluation. Default: one per core. On a machine shared with other work, 1 avoids the collapse of oversubscribed OpenMP threads. Decoding is always measured on one thread.")]
    public int? Threads { get; set; }

    /// <summary>The command's name in error messages.</summary>
    private protected abstract string CommandName { get; }

    /// <summary>The output folder.</summary>
    private protected abstract string OutputFolder { get; }

    /// <summary>Resolves the budget and the variants, throwing <see cref="CliException"/> for the first value that cannot be used.</summary>
    private protected abstract void ResolveAll();

    /// <summary>The corpus file to read: the one given, or the bundled one found under <paramref name="searchRoots"/>.</summary>
    private protected string CorpusPath(IReadOnlyList<string> searchRoots) => Corpus ?? BundledCorpus.Locate(searchRoots);

    /// <summary>The corpus as the report names it.</summary>
    private protected string CorpusName => Corpus ?? BundledCorpus.CorpusPath;

    /// <summary>A failure of the study's own checks, as the command line's one-line error.</summary>
    private protected static T Study<T>(Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (StudyException error)
        {
            throw new CliException(error.Message);
        }
    }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputFolder)) return ValidationResult.Error($"{CommandName} needs --out DIR, where the report, the figures and the models are written.");
        if (Seed < 0) return ValidationResult.Error($"--seed must be 0 or more (got {Seed}).");
        if (Threads is < 1 or > 256) return ValidationResult.Error($"--threads must be between 1 and 256 (got {Threads}).");
        if (DraftTokens < 1 || DraftTokens > 16) return ValidationResult.Error($"--draft-tokens must be between 1 and 16 (got {DraftTokens}).");
        try
        {
            ResolveAll();
        }
        catch (CliException error)
        {
            return ValidationResult.Error(error.Message);
        }
        return ValidationResult.Success();
    }
}
