using System.ComponentModel;
using System.Globalization;
using LinearDsl.Study;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>linearize-study</c>.</summary>
public sealed class LinearizeStudySettings : StudyRunSettings
{
    [CommandOption("--budget <NAME>")]
    [Description("How much to train: 'default' (pretraining 500 steps x 16 x 256 bytes, three variants, about 30 minutes on a 2-core machine), 'quick' (150 steps, about 10 minutes) or 'micro' (tiny models and a few steps: a smoke test in seconds whose figures mean nothing).")]
    [DefaultValue("default")]
    public string Budget { get; set; } = "default";

    [CommandOption("--out <DIR>")]
    [Description("Output folder: linearize.json, linearize.md, the PNG figures, and the models under DIR/models.")]
    [DefaultValue("linearize-study")]
    public string Out { get; set; } = "linearize-study";

    [CommandOption("--variants <LIST>")]
    [Description("Comma-separated linear variants to linearize into, or 'all': elu, relu, performer, hedgehog, flash, retnet, gla, mamba2, deltanet, local, global, local-global, augmented, augmented-gla. Default: augmented, local-global, hedgehog. The softmax teacher always trains.")]
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

    /// <summary>The study these settings describe; <paramref name="command"/> is recorded in its report.</summary>
    /// <exception cref="CliException">A value cannot be used, or the bundled corpus is not found.</exception>
    public LinearizeStudyOptions ToOptions(string command, IReadOnlyList<string> searchRoots) => new()
    {
        Budget = Resolve(),
        Variants = Study(() => LinearizeVariants.Select(Variants)),
        Seed = Seed,
        OutputFolder = Out,
        CorpusPath = CorpusPath(searchRoots),
        CorpusName = CorpusName,
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

    private protected override string CommandName => "linearize-study";

    private protected override string OutputFolder => Out;

    private protected override void ResolveAll()
    {
        Resolve();
        Study(() => LinearizeVariants.Select(Variants));
    }

}
