using System.Globalization;

namespace LinearDsl.Study;

/// <summary>
/// Compares a linearization study's measurements with the claims of the paper and of LoLCATs. Every sentence is built
/// from the measured numbers: a verdict is decided by the comparisons its "measured" text states, never written in advance.
/// </summary>
public static class LinearizeFindings
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The share of the teacher gap above which a run counts as having recovered "most" of it.</summary>
    public const double Most = 0.5;

    /// <summary>The smallest loss gap (nats per token) between the untrained linearized model and the teacher for which a share of it recovered is reported; below it the share is noise.</summary>
    public const double MinimumGap = 1e-3;

    /// <summary>(<paramref name="start"/> - <paramref name="loss"/>) / (<paramref name="start"/> - <paramref name="teacher"/>), or null when the gap is below <see cref="MinimumGap"/>.</summary>
    public static double? GapRecovered(double start, double loss, double teacher) => start - teacher >= MinimumGap ? (start - loss) / (start - teacher) : null;

    /// <summary>The findings for the measured <paramref name="variants"/>.</summary>
    public static IReadOnlyList<StudyFinding> Compare(LinearizeTeacherReport teacher, IReadOnlyList<LinearizeVariantReport> variants) =>
    [
        RecoversMostOfTheGap(teacher, variants),
        BeatsScratch(variants),
        AugmentationHelps(variants),
        TransferLoraPerParameter(variants),
        TransferReducesMse(variants),
        SpeculationIsExact(variants),
        SpeculationSpeedsUp(variants),
    ];

    /// <summary>The fine-tuning budget every comparison uses: the largest fraction, the one with the from-scratch run's total tokens.</summary>
    static double Largest(IReadOnlyList<LinearizeVariantReport> variants) => variants.SelectMany(v => v.Runs).Select(r => r.Fraction).DefaultIfEmpty(0).Max();

    static StudyFinding RecoversMostOfTheGap(LinearizeTeacherReport teacher, IReadOnlyList<LinearizeVariantReport> variants)
    {
        const string claim = "Linearizing a pretrained softmax model and fine-tuning it on a fraction of the pretraining budget recovers most of the gap to the softmax teacher.";
        double f = Largest(variants);
        var measured = variants.Select(v => (v, Best: v.Runs.Where(r => r.Fraction == f && r.GapRecovered is not null).MaxBy(r => r.GapRecovered))).Where(p => p.Best is not null).ToArray();
        if (measured.Length == 0) return NotMeasured(claim, $"no linearized model started {MinimumGap.ToString("G", Invariant)} nats or more above the teacher's loss, so there was no gap to recover");
        var most = measured.Where(p => p.Best!.GapRecovered >= Most).ToArray();
        string text = $"at {Pct(f)} of the pretraining budget, the better recipe recovers " + string.Join(", ", measured.Select(p =>
            $"{Share(p.Best!.GapRecovered)} for {p.v.Name} ({RunName(p.Best!)}: perplexity {Ppl(p.v.Linearized.Perplexity)} linearized -> {Ppl(p.Best!.Validation.Perplexity)})"))
            + $" of the loss gap to the teacher (perplexity {Ppl(teacher.Validation.Perplexity)}); {most.Length} of {measured.Length} variants recover at least {Share(Most)}"
            + (teacher.Continued is { } c ? $"; the teacher itself, trained on for {Pct(c.Fraction)} more, reaches {Ppl(c.Validation.Perplexity)} (what more training alone gives the softmax model)." : ".");
        var verdict = most.Length == measured.Length ? FindingVerdict.Agrees : most.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = text, Verdict = verdict };
    }

    static StudyFinding BeatsScratch(IReadOnlyList<LinearizeVariantReport> variants)
    {
        const string claim = "A linearized model beats the same architecture trained from scratch on the same total number of tokens (the paper's reason to linearize rather than pretrain).";
        double f = Largest(variants);
        var pairs = variants.Select(v => (v, Run: v.Run(LinearizeRunReport.FullFineTune, f))).Where(p => p.Run is not null).ToArray();
        if (pairs.Length == 0) return NotMeasured(claim, "no variant was fine-tuned");
        var better = pairs.Where(p => p.Run!.Validation.Loss < p.v.Scratch.Validation.Loss).ToArray();
        string text = $"after {Tokens(pairs[0].Run!.TotalTokens)} in all (pretraining + {Pct(f)}), fine-tuning everything vs from scratch: "
            + string.Join(", ", pairs.Select(p => $"{p.v.Name} {Ppl(p.Run!.Validation.Perplexity)} vs {Ppl(p.v.Scratch.Validation.Perplexity)}"))
            + $"; the linearized model is better for {better.Length} of {pairs.Length} (one seed).";
        var verdict = better.Length == pairs.Length ? FindingVerdict.Agrees : better.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = text, Verdict = verdict };
    }

    static StudyFinding AugmentationHelps(IReadOnlyList<LinearizeVariantReport> variants)
    {
        const string claim = "Augmentation helps after linearization: the augmented form (local + grouped global + DWConv) ends closer to the teacher than the other linear variants, and its DWConv adds to local + global.";
        double f = Largest(variants);
        var method = variants.FirstOrDefault(v => v.Key == StudyVariants.Method);
        var others = variants.Where(v => v.Key != StudyVariants.Method).ToArray();
        if (method?.Run(LinearizeRunReport.FullFineTune, f) is not { } m || others.Length == 0)
            return NotMeasured(claim, "the augmented variant or every other linear variant was left out of this run");
        var beaten = others.Where(o => o.Run(LinearizeRunReport.FullFineTune, f) is { } r && m.Validation.Loss < r.Validation.Loss).ToArray();
        var notBeaten = others.Except(beaten).ToArray();
        string text = $"fine-tuning everything at {Pct(f)}: the augmented form {Ppl(m.Validation.Perplexity)}; "
            + (beaten.Length > 0 ? $"lower than {List(beaten, f)}" : "lower than none of the others")
            + (notBeaten.Length > 0 ? $"; not lower than {List(notBeaten, f)}" : "");
        var localGlobal = variants.FirstOrDefault(v => v.Key == "local-global")?.Run(LinearizeRunReport.FullFineTune, f);
        bool? conv = localGlobal is null ? null : m.Validation.Loss < localGlobal.Validation.Loss;
        if (conv is bool helps) text += helps ? "; the DWConv improves on local + global" : "; the DWConv does not improve on local + global";
        text += " (one seed; small differences may not repeat).";
        var verdict = notBeaten.Length == 0 && conv != false ? FindingVerdict.Agrees : beaten.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = text, Verdict = verdict };
    }

    static StudyFinding TransferLoraPerParameter(IReadOnlyList<LinearizeVariantReport> variants)
    {
        const string claim = "LoLCATs: attention transfer followed by LoRA recovers more of the teacher gap per trainable parameter than fine-tuning every weight.";
        double f = Largest(variants);
        var pairs = variants.Select(v => (v, A: v.Run(LinearizeRunReport.FullFineTune, f), B: v.Run(LinearizeRunReport.TransferLora, f)))
            .Where(p => p.A?.GapRecovered is not null && p.B?.GapRecovered is not null).ToArray();
        if (pairs.Length == 0) return NotMeasured(claim, "no variant had a gap to recover with both recipes");
        static double PerMillion(LinearizeRunReport r) => r.GapRecovered!.Value / r.TrainableParameters * 1e6;
        var more = pairs.Where(p => p.B!.GapRecovered > 0 && PerMillion(p.B!) > PerMillion(p.A!)).ToArray();
        string text = $"at {Pct(f)}: " + string.Join("; ", pairs.Select(p =>
            $"{p.v.Name}: (b) {Share(p.B!.GapRecovered)} with {p.B!.TrainableParameters:N0} trainable parameters vs (a) {Share(p.A!.GapRecovered)} with {p.A!.TrainableParameters:N0}"))
            + $"; per trainable parameter (b) recovers more for {more.Length} of {pairs.Length}";
        int absolute = pairs.Count(p => p.B!.GapRecovered >= p.A!.GapRecovered);
        text += $", and as much or more in absolute terms for {absolute} of {pairs.Length}.";
        var verdict = more.Length == pairs.Length ? FindingVerdict.Agrees : more.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = text, Verdict = verdict };
    }

    static StudyFinding TransferReducesMse(IReadOnlyList<LinearizeVariantReport> variants)
    {
        const string claim = "LoLCATs: attention transfer, training only the new mixer parameters, brings each layer's linear attention output closer to the softmax attention it replaces.";
        var transferred = variants.Where(v => v.Transfer is not null).ToArray();
        if (transferred.Length == 0) return NotMeasured(claim, "no variant had mixer parameters to transfer (or --transfer-steps was 0)");
        var closer = transferred.Where(v => v.Transfer!.AttentionMseAfter < v.AttentionMse).ToArray();
        string text = "attention-output MSE on validation text, before -> after: " + string.Join(", ", transferred.Select(v =>
            $"{v.Name} {G(v.AttentionMse)} -> {G(v.Transfer!.AttentionMseAfter)} ({v.Transfer!.TrainableParameters:N0} parameters, perplexity {Ppl(v.Linearized.Perplexity)} -> {Ppl(v.Transfer.ValidationAfter.Perplexity)})"))
            + $"; lower for {closer.Length} of {transferred.Length}.";
        var skipped = variants.Where(v => v.Transfer is null).ToArray();
        if (skipped.Length > 0) text += $" No transfer for {string.Join(", ", skipped.Select(v => v.Name))}: nothing to train.";
        var verdict = closer.Length == transferred.Length ? FindingVerdict.Agrees : closer.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = text, Verdict = verdict };
    }

    static StudyFinding SpeculationIsExact(IReadOnlyList<LinearizeVariantReport> variants)
    {
        const string claim = "Greedy speculative decoding of a linearized model with a distilled draft gives exactly the tokens of plain greedy decoding.";
        var measured = variants.Where(v => v.Speculative is not null).ToArray();
        if (measured.Length == 0) return NotMeasured(claim, "no variant was decoded");
        var differ = measured.Where(v => !v.Speculative!.Identical).ToArray();
        string text = $"identical output for {measured.Length - differ.Length} of {measured.Length} linearized models"
            + (differ.Length > 0 ? $"; different for {string.Join(", ", differ.Select(v => v.Name))}" : "")
            + "; acceptance of their distilled drafts " + string.Join(", ", measured.Select(v => $"{v.Name} {v.Speculative!.AcceptanceRate.ToString("P0", Invariant)}")) + ".";
        return new StudyFinding { Claim = claim, Measured = text, Verdict = differ.Length == 0 ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding SpeculationSpeedsUp(IReadOnlyList<LinearizeVariantReport> variants)
    {
        const string claim = "Speculative decoding with a draft distilled from the linearized model speeds up its generation (the paper: up to 2x at LLaMA scale).";
        var measured = variants.Where(v => v.Speculative is not null).ToArray();
        if (measured.Length == 0) return NotMeasured(claim, "no variant was decoded");
        var faster = measured.Where(v => v.Speculative!.SpeedUp > 1).ToArray();
        string text = string.Join(", ", measured.Select(v =>
            $"{v.Name}: {v.Speculative!.PlainTokensPerSecond.ToString("F0", Invariant)} -> {v.Speculative.SpeculativeTokensPerSecond.ToString("F0", Invariant)} tokens/s ({v.Speculative.SpeedUp.ToString("F2", Invariant)}x, {v.Speculative.TokensPerTargetCall.ToString("F2", Invariant)} tokens per target call)"))
            + $"; faster for {faster.Length} of {measured.Length} (timings depend on the machine's load).";
        var verdict = faster.Length == measured.Length ? FindingVerdict.Agrees : faster.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = text, Verdict = verdict };
    }

    /// <summary>"(a) full, 25 %", "(b) transfer + LoRA, 10 %", "from scratch".</summary>
    public static string RunName(LinearizeRunReport r) => r.Recipe switch
    {
        LinearizeRunReport.FullFineTune => $"(a) full {Pct(r.Fraction)}",
        LinearizeRunReport.TransferLora => $"(b) transfer+LoRA {Pct(r.Fraction)}",
        LinearizeRunReport.TeacherContinued => $"trained on {Pct(r.Fraction)}",
        _ => "from scratch",
    };

    static StudyFinding NotMeasured(string claim, string why) => new() { Claim = claim, Measured = why + ".", Verdict = FindingVerdict.NotMeasured };

    static string List(IEnumerable<LinearizeVariantReport> variants, double f) =>
        string.Join(", ", variants.Select(v => v.Run(LinearizeRunReport.FullFineTune, f) is { } r ? $"{v.Name} ({Ppl(r.Validation.Perplexity)})" : v.Name));

    static string Pct(double fraction) => fraction.ToString("P0", Invariant);

    static string Share(double? share) => share is double s ? s.ToString("P0", Invariant) : "n/a";

    static string Ppl(double perplexity) => perplexity.ToString("F3", Invariant);

    static string G(double value) => value.ToString("G3", Invariant);

    static string Tokens(long tokens) => (tokens / 1e6).ToString("F2", Invariant) + " M tokens";
}
