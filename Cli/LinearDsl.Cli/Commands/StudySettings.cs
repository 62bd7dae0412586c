using System.ComponentModel;
using System.Globalization;
using LinearDsl.Study;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>study</c>.</summary>
public sealed class StudySettings : StudyRunSettings
{
    [CommandOption("--budget <NAME>")]
    [Description("How much to train and measure: 'default' (1000 steps x 16 x 256 bytes per variant, about 45 minutes on 2 cores), 'quick' (200 steps, about 9 minutes) or 'micro' (tiny models and a few steps: a smoke test in seconds whose figures mean nothing).")]
    [DefaultValue("default")]
    public string Budget { get; set; } = "default";

    [CommandOption("--quick")]
    [Description("Same as --budget quick.")]
    public bool Quick { get; set; }

    [CommandOption("--out <DIR>")]
    [Description("Output folder: study.json, study.md, the PNG figures, and the trained models under DIR/models.")]
    [DefaultValue("study")]
    public string Out { get; set; } = "study";

    [CommandOption("--variants <LIST>")]
    [Description("Comma-separated variants to run (softmax is always required). With --encoders or --seq2seq: softmax, softmax-causal, elu, relu, performer, hedgehog, augmented, retnet. Otherwise: elu, relu, performer, hedgehog, flash, retnet, gla, mamba2, deltanet, local, global, local-global, augmented, augmented-gla, leaky-conv. Default: all of them.")]
    public string? Variants { get; set; }

    [CommandOption("--steps <N>")]
    [Description("Training steps of every variant and of the draft, instead of the budget's.")]
    public int? Steps { get; set; }

    [CommandOption("--contexts <LIST>")]
    [Description("Comma-separated contexts (tokens) at which decode latency and state bytes are measured. Default: the budget's (512,2048,8192; micro: 16,48).")]
    public string? Contexts { get; set; }

    [CommandOption("--encoders")]
    [Description("Run the encoder study instead: masked-LM (BERT-style 15 % masking) on the corpus for bidirectional softmax and the linear attentions in their bidirectional forms, plus causal softmax and a causal-only kind (RetNet). Budgets: default (about 20 minutes on 2 cores) or micro.")]
    public bool Encoders { get; set; }

    [CommandOption("--seq2seq")]
    [Description("Run the seq2seq study instead: T5-style span corruption on the corpus for the same variants as encoder-decoders, with exact-span accuracy of greedy decoding and a speculative check with a small seq2seq draft. Budgets: default (about 20 minutes on 2 cores) or micro.")]
    public bool Seq2Seq { get; set; }

    [CommandOption("--causal-study <FILE>")]
    [Description("With --encoders or --seq2seq: the causal study's study.json whose decoder-only places the findings compare with. Default: the committed " + CausalStudyPath + ".")]
    public string? CausalStudy { get; set; }

    /// <summary>The committed causal study's report, relative to a search root.</summary>
    public const string CausalStudyPath = "docs/results/study/study.json";

    /// <summary>The encoder or seq2seq study these settings describe; <paramref name="command"/> is recorded in its report.</summary>
    /// <exception cref="CliException">A value cannot be used, or the bundled corpus is not found.</exception>
    public EncoderStudyOptions ToEncoderOptions(string command, IReadOnlyList<string> searchRoots) => new()
    {
        Budget = ResolveEncoderBudget(),
        Variants = SelectedEncoderVariants(),
        Seed = Seed,
        OutputFolder = Out,
        CorpusPath = CorpusPath(searchRoots),
        CorpusName = CorpusName,
        ValidationFraction = CorpusSettings.DefaultValidationFraction,
        Threads = Threads,
        Command = command,
        CausalStudyPath = CausalStudy ?? searchRoots.Select(root => Path.Combine(root, CausalStudyPath)).FirstOrDefault(File.Exists),
    };

    /// <summary>The encoder or seq2seq budget these settings describe, with --steps applied.</summary>
    /// <exception cref="CliException">A value cannot be used with --encoders or --seq2seq.</exception>
    public EncoderStudyBudget ResolveEncoderBudget()
    {
        string which = Encoders ? "--encoders" : "--seq2seq";
        if (Quick) throw new CliException($"--quick has no meaning with {which}; use --budget default or micro, or --steps N.");
        if (Contexts is not null) throw new CliException($"--contexts has no meaning with {which} (it measures causal decoding); remove it.");
        var budget = Study(() => EncoderStudyBudget.Named(Budget, Seq2Seq));
        if (Steps is int steps) budget = budget with { Steps = steps, DraftSteps = steps, EvalEvery = Math.Min(budget.EvalEvery, steps) };
        return budget with { DraftTokens = DraftTokens };
    }

    /// <summary>The encoder or seq2seq variants --variants names (all of them by default).</summary>
    public IReadOnlyList<StudyVariant> SelectedEncoderVariants()
        => Study(() => EncoderStudyVariants.Select(Encoders ? EncoderStudyVariants.Encoders : EncoderStudyVariants.Seq2Seq, Variants));

    /// <summary>The study these settings describe; <paramref name="command"/> is recorded in its report.</summary>
    /// <exception cref="CliException">A value cannot be used, or the bundled corpus is not found.</exception>
    public StudyOptions ToOptions(string command, IReadOnlyList<string> searchRoots) => new()
    {
        Budget = Resolve(),
        Variants = SelectedVariants(),
        Seed = Seed,
        OutputFolder = Out,
        CorpusPath = CorpusPath(searchRoots),
        CorpusName = CorpusName,
        ValidationFraction = CorpusSettings.DefaultValidationFraction,
        Threads = Threads,
        Command = command,
    };

    /// <summary>The budget these settings describe, with their overrides applied.</summary>
    /// <exception cref="CliException">A value cannot be used.</exception>
    public StudyBudget Resolve()
    {
        if (Quick && !string.Equals(Budget.Trim(), "quick", StringComparison.OrdinalIgnoreCase) && !string.Equals(Budget.Trim(), "default", StringComparison.OrdinalIgnoreCase))
            throw new CliException($"--quick contradicts --budget {Budget}; give one of them.");
        var budget = Study(() => StudyBudget.Named(Quick ? "quick" : Budget));
        if (Steps is int steps) budget = budget with { Steps = steps, DraftSteps = steps, EvalEvery = Math.Min(budget.EvalEvery, steps) };
        if (Contexts is not null) budget = budget with { DecodeContexts = ParseContexts(Contexts) };
        return budget with { DraftTokens = DraftTokens };
    }

    /// <summary>The variants --variants names (all of them by default).</summary>
    /// <exception cref="CliException">A key is unknown or the softmax reference is left out.</exception>
    public IReadOnlyList<StudyVariant> SelectedVariants() => Study(() => StudyVariants.Select(Variants));


    static int[] ParseContexts(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var contexts = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < 1 || value > 1_000_000)
                throw new CliException($"--contexts takes comma-separated token counts between 1 and 1000000, got '{part}'.");
            contexts.Add(value);
        }
        if (contexts.Count == 0) throw new CliException("--contexts needs at least one token count, e.g. 512,2048,8192.");
        return contexts.Distinct().Order().ToArray();
    }

    private protected override string CommandName => "study";

    private protected override string OutputFolder => Out;

    private protected override void ResolveAll()
    {
        if (Steps is < 1) throw new CliException($"--steps must be at least 1 (got {Steps}).");
        if (Encoders && Seq2Seq) throw new CliException("--encoders and --seq2seq are two studies; run them one at a time.");
        if (Encoders || Seq2Seq)
        {
            ResolveEncoderBudget();
            SelectedEncoderVariants();
            return;
        }
        if (CausalStudy is not null) throw new CliException("--causal-study applies to --encoders or --seq2seq only; remove it.");
        Resolve();
        SelectedVariants();
    }

}
