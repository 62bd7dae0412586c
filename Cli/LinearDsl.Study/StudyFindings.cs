using System.Globalization;

namespace LinearDsl.Study;

/// <summary>
/// Compares a study's measurements with the paper's claims. Every sentence is built from the measured numbers: the
/// verdict of a claim is decided by the comparisons stated in its "measured" text, never written in advance.
/// </summary>
public static class StudyFindings
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The findings for the measured <paramref name="variants"/>.</summary>
    public static IReadOnlyList<StudyFinding> Compare(IReadOnlyList<StudyVariantReport> variants, StudyDraftReport? draft = null)
    {
        var byKey = variants.ToDictionary(v => v.Key);
        List<StudyFinding> findings =
        [
            MethodBeatsOtherLinear(byKey),
            MethodApproachesSoftmax(byKey),
            AugmentationParts(byKey),
            LeakyLooksGoodInTraining(byKey),
            LeakyFailsInGeneration(byKey),
            ProbeFlagsOnlyTheLeak(variants),
            SpeculationIsExact(variants),
            SpeculationSpeedsUpTheMethod(byKey, draft),
            ConstantDecodeCost(byKey),
        ];
        // Only when both ran: a run without the gated variants says nothing about them.
        if (byKey.ContainsKey(StudyVariants.AugmentedGla) && byKey.ContainsKey(GlaKey)) findings.Add(AugmentationHelpsGatedGlobal(byKey));
        return findings;
    }

    /// <summary>Key of GLA alone (the gated-decay kinds' variant), the baseline of the augmented GLA.</summary>
    internal const string GlaKey = "gla";

    static StudyFinding AugmentationHelpsGatedGlobal(Dictionary<string, StudyVariantReport> v)
    {
        const string claim = "The paper's augmentation still helps on top of a gated global term: local attention in groups and the causal DWConv on a GLA-gated global term beat GLA alone.";
        var (augmented, gla) = (v[StudyVariants.AugmentedGla], v[GlaKey]);
        double difference = augmented.Validation.Loss - gla.Validation.Loss;
        bool lower = difference < 0;
        string measured = $"perplexity: the augmented GLA {Ppl(augmented)}, GLA alone {Ppl(gla)}; validation loss {Signed(difference)} nats/token, "
            + (lower ? "so the augmentation lowers it" : "so the augmentation does not lower it")
            + " (one seed; small differences may not repeat with another).";
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = lower ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding MethodBeatsOtherLinear(Dictionary<string, StudyVariantReport> v)
    {
        const string claim = "The augmented form (local + grouped global + DWConv) reaches a lower perplexity than the other linear attentions.";
        var others = StudyVariants.OtherLinear.Where(v.ContainsKey).Select(k => v[k]).ToArray();
        if (!v.TryGetValue(StudyVariants.Method, out var method) || others.Length == 0) return NotMeasured(claim, "the method or every other linear attention was left out of this run");
        var beaten = others.Where(o => method.Validation.Loss < o.Validation.Loss).ToArray();
        var notBeaten = others.Except(beaten).ToArray();
        string measured = $"the method: perplexity {Ppl(method)}; "
            + (beaten.Length > 0 ? $"lower than {List(beaten)}" : "lower than none of them")
            + (notBeaten.Length > 0 ? $"; not lower than {List(notBeaten)}" : "")
            + " (one seed; small differences may not repeat with another).";
        var verdict = notBeaten.Length == 0 ? FindingVerdict.Agrees : beaten.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = verdict };
    }

    static StudyFinding MethodApproachesSoftmax(Dictionary<string, StudyVariantReport> v)
    {
        const string claim = "The augmented form approaches softmax attention: it closes much of the gap that other linear attentions leave.";
        var others = StudyVariants.OtherLinear.Where(v.ContainsKey).Select(k => v[k]).ToArray();
        if (!v.TryGetValue(StudyVariants.Method, out var method) || !v.TryGetValue(StudyVariants.Reference, out var softmax) || others.Length == 0)
            return NotMeasured(claim, "the method, softmax or every other linear attention was left out of this run");
        var best = others.MinBy(o => o.Validation.Loss)!;
        double methodGap = method.Validation.Loss - softmax.Validation.Loss, bestGap = best.Validation.Loss - softmax.Validation.Loss;
        string gaps = $"validation loss above softmax's {Loss(softmax)}: the method {Signed(methodGap)} nats/token, the best other linear attention ({best.Name}) {Signed(bestGap)}";
        if (methodGap <= 0)
        {
            var alsoBelow = v.Values.Where(r => r.Key != StudyVariants.Method && r.Key != StudyVariants.LeakyConv && r.Key != StudyVariants.Reference
                && r.Validation.Loss <= softmax.Validation.Loss).ToArray();
            string company = alsoBelow.Length == 0 ? "no other causal variant does" : $"so do {List(alsoBelow)}";
            return new StudyFinding
            {
                Claim = claim,
                Measured = $"{gaps}; the method matches or beats softmax at this scale and budget ({company}), further than the paper, where it stays behind softmax.",
                Verdict = FindingVerdict.Agrees,
            };
        }
        if (bestGap <= 0)
            return new StudyFinding { Claim = claim, Measured = $"{gaps}; another linear attention already matches softmax, the method does not.", Verdict = FindingVerdict.Disagrees };
        double closed = (bestGap - methodGap) / bestGap;
        if (closed <= 0)
            return new StudyFinding { Claim = claim, Measured = $"{gaps}; the method's gap is not smaller.", Verdict = FindingVerdict.Disagrees };
        string measured = $"{gaps}; the method closes {closed.ToString("P0", Invariant)} of the best other linear attention's gap.";
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = closed >= 0.5 ? FindingVerdict.Agrees : FindingVerdict.PartlyAgrees };
    }

    static StudyFinding AugmentationParts(Dictionary<string, StudyVariantReport> v)
    {
        const string claim = "Each part of the augmentation helps: local + global beats either alone, and adding the causal DWConv improves it further.";
        string[] keys = ["local", "global", "local-global", StudyVariants.Method];
        if (!keys.All(v.ContainsKey)) return NotMeasured(claim, "some of the four ablations were left out of this run");
        var (local, global, both, method) = (v["local"], v["global"], v["local-global"], v[StudyVariants.Method]);
        bool combined = both.Validation.Loss < Math.Min(local.Validation.Loss, global.Validation.Loss);
        bool conv = method.Validation.Loss < both.Validation.Loss;
        string measured = $"perplexity: local only {Ppl(local)}, global only {Ppl(global)}, local + global {Ppl(both)}, + DWConv {Ppl(method)}; "
            + (combined ? "local + global is better than either alone" : "local + global is not better than the better of the two alone")
            + "; " + (conv ? "the DWConv improves it" : "the DWConv does not improve it") + ".";
        var verdict = combined && conv ? FindingVerdict.Agrees : combined || conv ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = verdict };
    }

    static StudyFinding LeakyLooksGoodInTraining(Dictionary<string, StudyVariantReport> v)
    {
        const string claim = "A leaky (future-seeing) conv looks good in training: its teacher-forced loss is lower than the causal method's.";
        if (!v.TryGetValue(StudyVariants.LeakyConv, out var leaky) || !v.TryGetValue(StudyVariants.Method, out var method))
            return NotMeasured(claim, "the leaky variant or the method was left out of this run");
        bool lower = leaky.Validation.Loss < method.Validation.Loss;
        string softmax = v.TryGetValue(StudyVariants.Reference, out var reference)
            ? $", softmax {Loss(reference)}" + (leaky.Validation.Loss < reference.Validation.Loss ? " (the leaky variant is even below softmax)" : "")
            : "";
        string measured = $"teacher-forced validation loss: leaky {Loss(leaky)}, the method {Loss(method)}{softmax}; final training loss: leaky "
            + $"{leaky.Training.FinalTrainLoss.ToString("F3", Invariant)}, the method {method.Training.FinalTrainLoss.ToString("F3", Invariant)}.";
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = lower ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding LeakyFailsInGeneration(Dictionary<string, StudyVariantReport> v)
    {
        const string claim = "The leaky variant fails in generation: without the future tokens it predicts much worse than its training loss promises.";
        if (!v.TryGetValue(StudyVariants.LeakyConv, out var leaky)) return NotMeasured(claim, "the leaky variant was left out of this run");
        var check = leaky.GenerationCheck;
        bool gap = check.Gap > GenerationCheck.ConsistencyTolerance;
        string versus = "";
        bool worseThanMethod = true;
        if (v.TryGetValue(StudyVariants.Method, out var method))
        {
            worseThanMethod = check.GenerationLoss > method.GenerationCheck.GenerationLoss;
            versus = $"; the causal method generates at {method.GenerationCheck.GenerationLoss.ToString("F3", Invariant)}, "
                + (worseThanMethod ? "better than the leaky variant" : "not better than the leaky variant");
        }
        int causal = v.Values.Count(r => r.Key != StudyVariants.LeakyConv && r.GenerationCheck.Consistent);
        int others = v.Count - 1;
        string measured = $"on {check.Sequences} validation sequences, loss teacher-forced {check.TeacherForcedLoss.ToString("F3", Invariant)} vs "
            + $"token by token ({check.Method}) {check.GenerationLoss.ToString("F3", Invariant)} nats/token, a gap of {Signed(check.Gap)}{versus}; "
            + $"{causal} of {others} causal variants show no gap (|gap| <= {GenerationCheck.ConsistencyTolerance.ToString("G", Invariant)}).";
        var verdict = gap && worseThanMethod ? FindingVerdict.Agrees : gap ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = verdict };
    }

    static StudyFinding ProbeFlagsOnlyTheLeak(IReadOnlyList<StudyVariantReport> variants)
    {
        const string claim = "The causality probe flags the leaky variant and passes every causal one.";
        var leaky = variants.FirstOrDefault(r => r.Key == StudyVariants.LeakyConv);
        var falseAlarms = variants.Where(r => r.Key != StudyVariants.LeakyConv && !r.Causality.Causal).ToArray();
        int passed = variants.Count(r => r.Key != StudyVariants.LeakyConv && r.Causality.Causal);
        string leakyText = leaky is null ? "the leaky variant was not run"
            : leaky.Causality.Leaks ? $"the leaky variant leaks ({string.Join("; ", leaky.Causality.Forms.Select(Form))})"
            : leaky.Causality.Causal ? "the leaky variant passed the probe" : $"the leaky variant was not certified ({string.Join("; ", leaky.Causality.Forms.Select(Form))})";
        string measured = $"{leakyText}; {passed} of {passed + falseAlarms.Length} causal variants pass in forward, step and verify"
            + (falseAlarms.Length > 0 ? $"; flagged by mistake: {string.Join(", ", falseAlarms.Select(r => r.Name))}" : "") + ".";
        bool leakCaught = leaky is not null && leaky.Causality.Leaks;
        var verdict = leaky is null ? FindingVerdict.NotMeasured : leakCaught && falseAlarms.Length == 0 ? FindingVerdict.Agrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = verdict };
    }

    static StudyFinding SpeculationIsExact(IReadOnlyList<StudyVariantReport> variants)
    {
        const string claim = "Greedy speculative decoding with a draft gives exactly the tokens of plain greedy decoding.";
        var measuredOn = variants.Where(r => r.Speculative is not null).ToArray();
        if (measuredOn.Length == 0) return NotMeasured(claim, "no variant could decode");
        var differ = measuredOn.Where(r => !r.Speculative!.Identical).ToArray();
        string measured = $"identical output for {measuredOn.Length - differ.Length} of {measuredOn.Length} decodable variants"
            + (differ.Length > 0 ? $"; different for {List(differ, r => "")}" : "")
            + "; acceptance of the fixed draft " + Range(measuredOn.Select(r => r.Speculative!.AcceptanceRate), "P0") + ".";
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = differ.Length == 0 ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding SpeculationSpeedsUpTheMethod(Dictionary<string, StudyVariantReport> v, StudyDraftReport? draft)
    {
        const string claim = "Speculative decoding speeds up generation of the augmented model (the paper: up to 2x at LLaMA scale).";
        if (!v.TryGetValue(StudyVariants.Method, out var method) || method.Speculative is null) return NotMeasured(claim, "the method was not measured");
        var s = method.Speculative;
        string measured = $"the method: {s.PlainTokensPerSecond.ToString("F0", Invariant)} tokens/s plain, {s.SpeculativeTokensPerSecond.ToString("F0", Invariant)} speculative "
            + $"(m = {s.DraftTokens}, acceptance {s.AcceptanceRate.ToString("P0", Invariant)}, {s.TokensPerTargetCall.ToString("F2", Invariant)} tokens per target call): "
            + $"{s.SpeedUp.ToString("F2", Invariant)}x";
        if (draft is { PlainTokensPerSecond: > 0 })
        {
            // A round is m draft calls and one target Verify; if a draft call costs c target steps and Verify about one
            // step, the round beats plain decoding when it yields more than 1 + m c tokens.
            double cost = s.PlainTokensPerSecond / draft.PlainTokensPerSecond, breakEven = 1 + s.DraftTokens * cost;
            measured += $". The draft alone decodes at {draft.PlainTokensPerSecond.ToString("F0", Invariant)} tokens/s, so a draft call costs about "
                + $"{cost.ToString("F2", Invariant)} of a target step and a round breaks even at roughly {breakEven.ToString("F2", Invariant)} tokens per target call; "
                + (s.TokensPerTargetCall < breakEven ? "the method's rounds yield fewer: its draft agrees with it too rarely for the draft's cost"
                    : "the method's rounds yield more, so the remaining cost is Verify and the draft's block re-reads, which cost more than single steps");
        }
        var others = v.Values.Where(r => r.Speculative is not null && r.Key != StudyVariants.Method).ToArray();
        if (others.Length > 0)
        {
            var fastest = others.MaxBy(r => r.Speculative!.SpeedUp)!;
            measured += $"; across the other variants the speed-up runs from {others.Min(r => r.Speculative!.SpeedUp).ToString("F2", Invariant)}x to "
                + $"{fastest.Speculative!.SpeedUp.ToString("F2", Invariant)}x ({fastest.Name}, acceptance {fastest.Speculative.AcceptanceRate.ToString("P0", Invariant)})";
        }
        return new StudyFinding { Claim = claim, Measured = measured + ".", Verdict = s.SpeedUp > 1 ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding ConstantDecodeCost(Dictionary<string, StudyVariantReport> v)
    {
        const string claim = "Linear attention decodes with a constant-size state and constant time per token, while softmax's KV cache and step time grow with the context.";
        if (!v.TryGetValue(StudyVariants.Method, out var method) || !v.TryGetValue(StudyVariants.Reference, out var softmax)
            || method.Decode is not { Count: >= 2 } m || softmax.Decode is not { Count: >= 2 } s)
            return NotMeasured(claim, "the method or softmax was not measured at two contexts");
        var (m0, m1, s0, s1) = (m[0], m[^1], s[0], s[^1]);
        bool constantState = m.All(p => p.StateBytes == m0.StateBytes);
        double methodGrowth = m1.MsPerToken / m0.MsPerToken, softmaxGrowth = s1.MsPerToken / s0.MsPerToken;
        bool faster = m1.MsPerToken < s1.MsPerToken, smaller = m1.StateBytes < s1.StateBytes;
        string measured = $"from {m0.Context} to {m1.Context} tokens of context: the method {Ms(m0)} -> {Ms(m1)} ms/token ({methodGrowth.ToString("F2", Invariant)}x), "
            + $"state {Bytes(m0.StateBytes)} -> {Bytes(m1.StateBytes)}; softmax {Ms(s0)} -> {Ms(s1)} ms/token ({softmaxGrowth.ToString("F2", Invariant)}x), "
            + $"KV cache {Bytes(s0.StateBytes)} -> {Bytes(s1.StateBytes)}; at {m1.Context} the method takes {(m1.MsPerToken / s1.MsPerToken).ToString("P0", Invariant)} of softmax's time "
            + $"and {((double)m1.StateBytes / s1.StateBytes).ToString("P1", Invariant)} of its memory.";
        var verdict = constantState && faster && smaller && methodGrowth < softmaxGrowth ? FindingVerdict.Agrees
            : constantState && smaller ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = verdict };
    }

    static StudyFinding NotMeasured(string claim, string why) => new() { Claim = claim, Measured = why + ".", Verdict = FindingVerdict.NotMeasured };

    static string Ppl(StudyVariantReport r) => r.Validation.Perplexity.ToString("F3", Invariant);

    static string Loss(StudyVariantReport r) => r.Validation.Loss.ToString("F3", Invariant);

    static string Signed(double value) => value.ToString("+0.0000;-0.0000;0.0000", Invariant);

    static string Ms(DecodePoint p) => p.MsPerToken.ToString("F3", Invariant);

    static string List(IEnumerable<StudyVariantReport> reports) => List(reports, r => $" ({Ppl(r)})");

    static string List(IEnumerable<StudyVariantReport> reports, Func<StudyVariantReport, string> suffix) => string.Join(", ", reports.Select(r => r.Name + suffix(r)));

    static string Range(IEnumerable<double> values, string format)
    {
        var all = values.ToArray();
        double low = all.Min(), high = all.Max();
        return low == high ? low.ToString(format, Invariant) : $"{low.ToString(format, Invariant)} to {high.ToString(format, Invariant)}";
    }

    static string Form(StudyCausalityForm f) => f.Verdict switch
    {
        "leaks" => $"{f.Form}: output {f.FirstLeak} changed",
        "refused" => $"{f.Form}: refused to run",
        _ => $"{f.Form}: causal",
    };

    /// <summary>"1.5 MB", "33.6 MB", "456.7 KB", "512 B" (decimal units).</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1_000_000 => (bytes / 1e6).ToString("F1", Invariant) + " MB",
        >= 1_000 => (bytes / 1e3).ToString("F1", Invariant) + " KB",
        _ => bytes.ToString(Invariant) + " B",
    };
}
