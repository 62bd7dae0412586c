using System.ComponentModel;
using System.Globalization;
using LinearDsl.Study;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>linearize-study</c>.</summary>
public sealed class LinearizeStudySettings : CommandSettings
{
    [CommandOption("--budget <NAME>")]
    [Description("How much to train: 'default' (pretraining 500 steps x 16 x 256 bytes, three variants, about 30 minutes on a 2-core machine), 'quick' (150 steps, about 10 minutes) or 'micro' (tiny models and a few steps: a smoke test in seconds whose figures mean nothing).")]
    [DefaultValue("default")]
    public string Budget { get; set; } = "default";

    [CommandOption("--seed <N>")]
    [Description("Seed of the initial weights, the batch order and the adapters.")]
    [DefaultValue(1)]
    public int Seed { get; set; } = 1;

    [CommandOption("--out <DIR>")]
    [Description("Output folder: linearize.json, linearize.md, the PNG figures, and the models under DIR/models.")]
    [DefaultValue("linearize-study")]
    public string Out { get; set; } = "linearize-study";

    [CommandOption("--corpus <FILE>")]
    [Description("UTF-8 text to train and validate on (byte tokenizer; the last 2 % of the sequences are held out). Default: the bundled " + BundledCorpus.CorpusPath + ".")]
    public string? Corpus { get; set; }

    [CommandOption("--variants <LIST>")]
    [Description("Comma-separated linear variants to linearize into, or 'all': elu, relu, performer, hedgehog, flash, local, global, local-global, augmented. Default: augmented, local-global, hedgehog. The softmax teacher always trains.")]
    public string? Variants { get; set; }

    [CommandOption("--pretrain-steps <N>")]
    [Description("Pretraining steps of the teacher, instead of the budget's; fine-tuning and from-scratch steps follow from it.")]
    public int? PretrainSteps { get; set; }

    [CommandOption("--fractions <LIST>")]
    [Description("Comma-separated fine-tuning budgets as fractions of the pretraining steps. Default: 0.1,0.25.")]
    public string? Fractions { get; set; }

    [CommandOption("--lora-rank <R>")]
    [Description("Rank of recipe (b)'s LoRA adapters on the q/k/v and output projections (alpha = 2 x rank). Default: 8 (micro: 2).")]
    public int? LoraRank { get; set; }

    [CommandOption("--transfer-steps <N>")]
    [Description("Steps of recipe (b)'s attention transfer, instead of the budget's (0 skips it).")]
    public int? TransferSteps { get; set; }

    [CommandOption("--draft-tokens <M>")]
    [Description("Tokens the distilled draft proposes per round of speculative decoding.")]
    [DefaultValue(3)]
    public int DraftTokens { get; set; } = 3;

    [CommandOption("--threads <N>")]
    [Description("Torch threads for training and evaluation. Default: one per core. Decoding is always measured on one thread.")]
    public int? Threads { get; set; }

    /// <summary>The study these settings describe; <paramref name="command"/> is recorded in its report.</summary>
    /// <exception cref="CliException">A value cannot be used, or the bundled corpus is not found.</exception>
    public LinearizeStudyOptions ToOptions(string command, IReadOnlyList<string> searchRoots) => new()
    {
        Budget = Resolve(),
        Variants = Study(() => LinearizeVariants.Select(Variants)),
        Seed = Seed,
        OutputFolder = Out,
        CorpusPath = Corpus ?? BundledCorpus.Locate(searchRoots),
        CorpusName = Corpus ?? BundledCorpus.CorpusPath,
        ValidationFraction = CorpusSettings.DefaultValidationFraction,
        Threads = Threads,
        Command = command,
    };

    /// <summary>The budget these settings describe, with their overrides applied and checked.</summary>
    /// <exception cref="CliException">A value cannot be used.</exception>
    public LinearizeBudget Resolve()
    {
        var budget = Study(() => LinearizeBudget.Named(Budget));
        if (PretrainSteps is int steps) budget = budget with { PretrainSteps = steps, EvalEvery = Math.Max(1, Math.Min(budget.EvalEvery, steps)) };
        if (Fractions is not null) budget = budget with { FineTuneFractions = ParseFractions(Fractions) };
        if (LoraRank is int rank) budget = budget with { LoraRank = rank };
        if (TransferSteps is int transfer) budget = budget with { TransferSteps = transfer };
        budget = budget with { DraftTokens = DraftTokens };
        var problems = budget.Problems();
        if (problems.Count > 0) throw new CliException(problems[0]);
        return budget;
    }

    static T Study<T>(Func<T> resolve)
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

    static double[] ParseFractions(string text)
    {
        var fractions = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0 && value <= 10))
                throw new CliException($"--fractions takes comma-separated fractions of the pretraining budget above 0 and up to 10, e.g. 0.1,0.25; got '{part}'.");
            fractions.Add(value);
        }
        if (fractions.Count == 0) throw new CliException("--fractions needs at least one fraction, e.g. 0.1,0.25.");
        return fractions.Distinct().Order().ToArray();
    }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("linearize-study needs --out DIR, where the report, the figures and the models are written.");
        if (Seed < 0) return ValidationResult.Error($"--seed must be 0 or more (got {Seed}).");
        if (Threads is < 1 or > 256) return ValidationResult.Error($"--threads must be between 1 and 256 (got {Threads}).");
        try
        {
            Resolve();
            Study(() => LinearizeVariants.Select(Variants));
        }
        catch (CliException error)
        {
            return ValidationResult.Error(error.Message);
        }
        return ValidationResult.Success();
    }
}
