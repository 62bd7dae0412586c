using System.Globalization;
using System.Text;

namespace LinearDsl.Study;

/// <summary>linearize.md: the linearization report for people. Every figure and comparison comes from the <see cref="LinearizeReport"/>.</summary>
public static class LinearizeMarkdown
{
    /// <summary>File name in the output folder.</summary>
    public const string FileName = "linearize.md";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The report as markdown; figures are linked as <paramref name="figurePrefix"/> + file name.</summary>
    public static string Render(LinearizeReport r, string figurePrefix = "")
    {
        var md = new StringBuilder();
        var b = r.Budget;
        var t = r.Teacher;
        md.AppendLine("# Linearization study: a pretrained softmax model turned into linear attention, at CPU scale").AppendLine();
        md.AppendLine("Measured by").AppendLine().AppendLine("    " + r.Command).AppendLine();
        md.AppendLine(F($"on {r.Machine}, commit `{r.Commit}`, started {r.StartedUtc:yyyy-MM-dd HH:mm} UTC; wall time {StudyMarkdown.Duration(r.WallTimeSeconds)} ", $"(training on {r.TrainingThreads} torch threads, decoding on {r.DecodingThreads}). ", $"The machine's 1-minute load average was {string.Join(", ", r.LoadAverage.Select(l => double.IsNaN(l) ? "unknown" : l.ToString("F2", Invariant)))} at the start, when training ended and at the end", $"{(r.LoadAverage.Any(l => l > r.Cores + 0.5) ? F($"; above the {r.Cores} cores, so other work competed with this run: wall times and tokens/s are slower and noisier than on a quiet machine (losses and perplexities do not depend on it)") : "")}."));
        md.AppendLine();
        md.AppendLine(F($"Budget `{b.Name}`: the softmax teacher (`{t.DeclaredAs}`, {t.Architecture}; {t.Parameters:N0} parameters) is pretrained for {b.PretrainSteps} steps x {b.Batch} sequences x {r.Context} bytes ", $"({r.PretrainingTokens / 1e6:F2} M tokens) on `{r.Corpus}` with AdamW (peak learning rate {b.LearningRate:G3}, cosine decay to {b.MinLearningRate:G3}), seed {r.Seed}. ", $"Each linear variant reuses all of its weights; fine-tuning takes {string.Join(" and ", b.FineTuneFractions.Select(f => f.ToString("P0", Invariant)))} of the pretraining steps; ", $"from scratch, the same architecture trains for {b.ScratchSteps} steps, the tokens of the pretraining plus the largest fine-tuning. ", $"The last {r.ValidationSequences} sequences are held out for validation."));
        md.AppendLine();
        md.AppendLine("**These are small models trained briefly on a CPU with one seed.** The paper and LoLCATs linearize LLaMA-class models on GPUs; the comparison below states, claim by claim, where this run agrees and where it does not.").AppendLine();

        md.AppendLine("## Results").AppendLine();
        md.AppendLine("| variant | run | trained tokens in all | trainable parameters | validation perplexity | validation loss | teacher gap recovered | wall time |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        md.AppendLine(F($"| softmax (teacher) | pretrained | {r.PretrainingTokens / 1e6:F2} M | {t.Parameters:N0} | {t.Validation.Perplexity:F3} | {t.Validation.Loss:F4} | | {StudyMarkdown.Duration(t.Training.WallTimeSeconds)} |"));
        if (t.Continued is { } c)
            md.AppendLine(F($"| softmax (teacher) | {LinearizeFindings.RunName(c)} | {c.TotalTokens / 1e6:F2} M | {c.TrainableParameters:N0} | {c.Validation.Perplexity:F3} | {c.Validation.Loss:F4} | | {StudyMarkdown.Duration(c.WallTimeSeconds)} |"));
        foreach (var v in r.Variants)
        {
            md.AppendLine(F($"| {v.Name} | linearized, before training | {r.PretrainingTokens / 1e6:F2} M | 0 | {v.Linearized.Perplexity:F3} | {v.Linearized.Loss:F4} | 0 % | |"));
            if (v.Transfer is { } x)
                md.AppendLine(F($"| {v.Name} | after attention transfer ({x.Steps} steps) | | {x.TrainableParameters:N0} | {x.ValidationAfter.Perplexity:F3} | {x.ValidationAfter.Loss:F4} | {Share(Recovered(v, t, x.ValidationAfter.Loss))} | {StudyMarkdown.Duration(x.WallTimeSeconds)} |"));
            foreach (var run in v.Runs.Append(v.Scratch))
                md.AppendLine(F($"| {v.Name} | {LinearizeFindings.RunName(run)} | {run.TotalTokens / 1e6:F2} M | {run.TrainableParameters:N0} | {run.Validation.Perplexity:F3} | {run.Validation.Loss:F4} | {(run.Recipe == LinearizeRunReport.Scratch ? "" : Share(run.GapRecovered))} | {StudyMarkdown.Duration(run.WallTimeSeconds)} |"));
        }
        md.AppendLine();
        md.AppendLine("The teacher gap recovered is (linearized loss - loss) / (linearized loss - teacher loss), in nats per byte on the held-out text: 0 is the linearized model before training, 1 the teacher, above 1 better than the teacher "
            + F($"(the fine-tuned model has seen more tokens than the teacher); n/a when the linearized model started less than {LinearizeFindings.MinimumGap:G} nats above the teacher. ")
            + "(a) fine-tunes every weight; (b) first trains only the new mixer parameters to match each layer's softmax attention output (MSE), then trains LoRA adapters "
            + F($"of rank {b.LoraRank} on the q/k/v and output projections with everything else frozen, and merges them. Wall time of (b) includes its transfer. ")
            + "\"Trained on\" is the teacher itself trained for the largest fraction with recipe (a)'s settings: the softmax model given the linearized runs' extra tokens.");
        md.AppendLine();

        md.AppendLine("## Speculative decoding").AppendLine();
        md.AppendLine("| variant | draft distilled from | draft perplexity | acceptance | tokens per target call | plain tokens/s | speculative tokens/s | speed-up | speculative = plain |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var v in r.Variants)
        {
            if (v.Speculative is not { } s || v.Draft is not { } d) continue;
            md.AppendLine(F($"| {v.Name} | {d.DistilledFrom} | {d.Validation.Perplexity:F3} | {s.AcceptanceRate:P1} | {s.TokensPerTargetCall:F2} | {s.PlainTokensPerSecond:F0} | {s.SpeculativeTokensPerSecond:F0} | {s.SpeedUp:F2}x | {(s.Identical ? "yes" : "**no**")} |"));
        }
        md.AppendLine();
        md.AppendLine(F($"Each draft is `{nameof(StudyDraft)}`, distilled for {b.DraftSteps} steps (KL to the linearized model); each linearized model decodes a {b.PromptTokens}-byte validation prompt ", $"for {b.NewTokens} new bytes greedily, plainly and speculatively (m = {b.DraftTokens}), one warm-up and {b.SpeculativeRuns} timed runs each on one torch thread; the median tokens/s give the speed-up."));
        md.AppendLine();

        md.AppendLine("## Compared with the paper and LoLCATs").AppendLine();
        foreach (var f in r.Findings)
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{StudyMarkdown.Verdict(f.Verdict)}.** {f.Claim} Measured: {f.Measured}");
        md.AppendLine();

        md.AppendLine("## Figures").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![Validation loss of every run]({figurePrefix}{LinearizePlots.LossFile})").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![Teacher gap recovered against trainable parameters]({figurePrefix}{LinearizePlots.GapFile})").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![Validation loss against total training tokens]({figurePrefix}{LinearizePlots.TokensFile})").AppendLine();

        md.AppendLine("## The variants").AppendLine();
        md.AppendLine("Each linearized model is the teacher with its token mixer replaced by the variant's (declared in `Cli/LinearDsl.Study/StudyModels.cs`); alpha and the conv start at zero (FLASH-style keeps its 1/64), Hedgehog's feature map near the identity, Performer's random features from its seed.").AppendLine();
        md.AppendLine("| variant | declared as | token mixer | linearized architecture | parameters | new mixer parameters | attention MSE at linearization |");
        md.AppendLine("| --- | --- | --- | --- | ---: | ---: | ---: |");
        foreach (var v in r.Variants)
            md.AppendLine(F($"| {v.Name} | `{v.DeclaredAs}` | {v.Description} | {v.Architecture} | {v.Parameters:N0} | {v.MixerParameters:N0} | {v.AttentionMse:G3} |"));
        md.AppendLine();
        md.AppendLine("The models are saved under the output folder's `models/` (teacher, every run, every draft); `lineardsl eval`, `generate` and `check-causality` run on them.");
        return md.ToString();
    }

    static double? Recovered(LinearizeVariantReport v, LinearizeTeacherReport t, double loss) => LinearizeFindings.GapRecovered(v.Linearized.Loss, loss, t.Validation.Loss);

    static string Share(double? share) => share is double s ? s.ToString("P0", Invariant) : "n/a";

    static string F(params FormattableString[] parts) => string.Concat(parts.Select(p => p.ToString(Invariant)));
}
