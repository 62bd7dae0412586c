using System.Globalization;
using System.Text;

namespace LinearDsl.Study;

/// <summary>study.md: the report for people. Every figure and every comparison comes from the <see cref="StudyReport"/>.</summary>
public static class StudyMarkdown
{
    /// <summary>File name in the output folder.</summary>
    public const string FileName = "study.md";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The report as markdown; figures are linked as <paramref name="figurePrefix"/> + file name.</summary>
    public static string Render(StudyReport r, string figurePrefix = "")
    {
        var md = new StringBuilder();
        var budget = r.Budget;
        var reference = r[StudyVariants.Reference]!;
        md.AppendLine("# Study: linear attention meets autoregressive decoding, at CPU scale").AppendLine();
        md.AppendLine("Measured by").AppendLine().AppendLine("    " + r.Command).AppendLine();
        md.AppendLine(F($"on {r.Machine}, commit `{r.Commit}`, started {r.StartedUtc:yyyy-MM-dd HH:mm} UTC; wall time {Duration(r.WallTimeSeconds)} ", $"(training on {r.TrainingThreads} torch threads, decoding measurements on {r.DecodingThreads}). ", $"The machine's 1-minute load average was {LoadText(r.LoadAverage)} at the start, when training ended and at the end", $"{(r.LoadAverage.Any(l => l > r.Cores + 0.5) ? F($"; above the {r.Cores} cores, so other work competed with this run: the wall time, tokens/s and the decoding timings are slower and noisier than on a quiet machine (losses, perplexities, the probe and acceptance rates do not depend on it)") : "")}."));
        md.AppendLine();
        md.AppendLine(F($"Budget `{budget.Name}`: every variant trains for {budget.Steps} steps x {budget.Batch} sequences x {r.Context} bytes ", $"({Tokens(r.TrainingTokensPerVariant)}) with AdamW (peak learning rate {budget.LearningRate:G3}, {budget.WarmupSteps} warmup steps, cosine ", $"decay to {budget.MinLearningRate:G3}, weight decay {budget.WeightDecay:G3}, gradient clip {budget.GradientClip:G3}), seed {r.Seed}, from the same ", $"weight seed and batch order, on `{r.Corpus}` with the {r.Tokenizer} tokenizer; the last {r.ValidationSequences} sequences ", $"({r.ValidationSequences} x {r.Context} bytes) are held out for validation, the other {r.TrainSequences} are training data."));
        md.AppendLine();
        md.AppendLine(F($"**These are small models**: about {reference.Parameters / 1e6:F2} M parameters each (width {r.Width}, {r.Layers} layers), ", $"trained for {Duration(r.Variants.Sum(v => v.Training.WallTimeSeconds))} in all on a CPU, with one seed. The paper trains and linearizes LLaMA-class models with billions of parameters on GPUs. ", $"Orderings at this scale need not carry over either way; the comparison below states, claim by claim, where this run agrees with the ", $"paper and where it does not."));
        md.AppendLine();

        md.AppendLine("## Results").AppendLine();
        var contexts = budget.DecodeContexts.Order().ToArray();
        md.Append("| variant | parameters | validation perplexity | validation loss | token-by-token loss (gap) | causality probe |");
        foreach (int c in contexts) md.Append(F($" ms/token at {c} |"));
        foreach (int c in contexts) md.Append(F($" state at {c} |"));
        md.AppendLine(" draft acceptance | speculative speed-up | speculative = plain |");
        md.Append("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (int _ in contexts) md.Append(" ---: |");
        foreach (int _ in contexts) md.Append(" ---: |");
        md.AppendLine(" ---: | ---: | --- |");
        foreach (var v in r.Variants)
        {
            var g = v.GenerationCheck;
            md.Append(F($"| {Bold(v)} | {v.Parameters:N0} ({v.ParameterDeviation:+0.0%;-0.0%;0.0%}) | {v.Validation.Perplexity:F3} | {v.Validation.Loss:F4} | ", $"{g.GenerationLoss:F4} ({g.Gap:+0.0000;-0.0000;0.0000}) | {Probe(v)} |"));
            foreach (int c in contexts) md.Append(' ').Append(v.Decode?.FirstOrDefault(p => p.Context == c) is { } p ? F($"{p.MsPerToken:F3}") : "n/a").Append(" |");
            foreach (int c in contexts) md.Append(' ').Append(v.Decode?.FirstOrDefault(p => p.Context == c) is { } p ? StudyFindings.Bytes(p.StateBytes) : "n/a").Append(" |");
            md.AppendLine(v.Speculative is { } s
                ? F($" {s.AcceptanceRate:P1} | {s.SpeedUp:F2}x | {(s.Identical ? "yes" : "**no**")} |")
                : " n/a | n/a | n/a |");
        }
        md.AppendLine();
        var leaky = r[StudyVariants.LeakyConv];
        if (leaky?.DecodeUnsupported is string refusal)
            md.AppendLine(CultureInfo.InvariantCulture, $"n/a: the leaky variant has no decoding form, so there is nothing to time or to speculate with: `CreateState` refuses (\"{refusal}\").").AppendLine();
        md.AppendLine("Perplexity and losses are per byte (nats), on the held-out text. \"Token-by-token loss\" scores the same "
            + F($"{reference.GenerationCheck.Sequences} validation sequences with every prediction made from the bytes before it only, as in generation ")
            + "(the `Step` loop; for the leaky variant, which cannot step, `Forward` over each prefix alone); the gap is that loss minus the teacher-forced "
            + "loss of the same sequences. The causality probe changes one token and requires every earlier output to stay bit-identical in `Forward`, "
            + "in a `Step` loop and in `Prefill` + `Verify`.");
        md.AppendLine();

        md.AppendLine("## Compared with the paper").AppendLine();
        foreach (var f in r.Findings)
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{Verdict(f.Verdict)}.** {f.Claim} Measured: {f.Measured}");
        md.AppendLine();

        md.AppendLine("## Figures").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![Validation loss against step]({figurePrefix}{StudyPlots.ValidationLossFile})").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![Training loss against step]({figurePrefix}{StudyPlots.TrainingLossFile})").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![Decode latency against context]({figurePrefix}{StudyPlots.DecodeLatencyFile})").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![State memory against context]({figurePrefix}{StudyPlots.MemoryFile})").AppendLine();

        md.AppendLine("## The variants").AppendLine();
        md.AppendLine("Declared with the DSL in `Cli/LinearDsl.Study/StudyModels.cs`" + (budget.MicroModels ? F($" and shrunk for the micro budget to width {StudyShapes.MicroWidth}, {StudyShapes.MicroLayers} layers, context {StudyShapes.MicroContext}, MLP widths re-levelled") : "")
            + F($". Parameter counts are checked to lie within {StudyShapes.Tolerance:P0} of the softmax reference's {r.ReferenceParameters:N0}.")).AppendLine();
        md.AppendLine("| variant | declared as | token mixer | architecture | MLP hidden | final training loss | training time |");
        md.AppendLine("| --- | --- | --- | --- | ---: | ---: | ---: |");
        foreach (var v in r.Variants)
            md.AppendLine(F($"| {v.Name} | `{v.DeclaredAs}` | {v.Description} | {v.Architecture} | {v.MlpHidden} | {v.Training.FinalTrainLoss:F4} | {Duration(v.Training.WallTimeSeconds)} ({v.Training.TokensPerSecond:F0} tokens/s) |"));
        md.AppendLine();
        var d = r.Draft;
        md.AppendLine(F($"The fixed draft of every speculative run is `{d.DeclaredAs}` ({d.Architecture}; {d.Parameters:N0} parameters), trained once per study ", $"run on the same data with the same optimizer settings for {d.Steps} steps ({Duration(d.WallTimeSeconds)}): validation perplexity {d.ValidationPerplexity:F3}; alone it decodes at {d.PlainTokensPerSecond:F0} tokens/s. ", $"Each causal variant decodes a {budget.PromptTokens}-byte validation prompt for {budget.NewTokens} new bytes greedily, plainly and speculatively ", $"(m = {budget.DraftTokens} draft tokens per round), one warm-up run and {budget.SpeculativeRuns} timed runs each, alternating; the median ", $"tokens/s (prompt included) give the speed-up."));
        md.AppendLine();

        md.AppendLine("## Samples").AppendLine();
        md.AppendLine(F($"Greedy continuations ({budget.SampleTokens} bytes) of the prompt `{StudyRun.SamplePrompt.Trim()}`; the leaky variant generates by re-running `Forward` over the whole text for each byte.")).AppendLine();
        foreach (var v in r.Variants)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"**{v.Name}**").AppendLine();
            md.AppendLine("```text");
            md.AppendLine((StudyRun.SamplePrompt + v.Sample).Replace("```", "'''"));
            md.AppendLine("```").AppendLine();
        }

        md.AppendLine("## How it was measured").AppendLine();
        md.AppendLine(F($"- Validation: teacher-forced loss of `Forward` over {(budget.FinalEvalSequences is int n ? n.ToString(Invariant) + " of the" : "all")} validation sequences after training; during training every {budget.EvalEvery} steps on the first {budget.EvalSequences} (the validation-loss figure)."));
        md.AppendLine(F($"- Decode latency: batch 1, each model's state prefilled with corpus text to each context in turn, then {budget.DecodeWarmupSteps} untimed and {budget.DecodeTimedSteps} timed `Step` calls; all models step in rotating blocks of 10 at each context, so a slow moment of the machine falls on all alike; the median is reported. State bytes are the bytes the committed tokens occupy (KV cache, or S, the group buffer and the conv history), all layers."));
        md.AppendLine(F($"- Causality probe: `CausalityProbe.Check` on {reference.Causality.Length} random tokens, token {reference.Causality.Position} changed."));
        md.AppendLine(F($"- Generation check: |gap| up to {GenerationCheck.ConsistencyTolerance:G} nats/token counts as no gap (float32 rounding gives about 1e-6)."));
        md.AppendLine("- The trained models are saved under the output folder's `models/`; `lineardsl generate --target DIR --no-speculation` and `lineardsl check-causality DIR` run on them.");
        return md.ToString();
    }

    static string LoadText(IReadOnlyList<double> load) => string.Join(", ", load.Select(l => double.IsNaN(l) ? "unknown" : l.ToString("F2", Invariant)));

    static string Tokens(long tokens) => tokens >= 1_000_000 ? F($"{tokens / 1e6:F2} M tokens") : F($"{tokens:N0} tokens");

    static string Bold(StudyVariantReport v) => v.Key == StudyVariants.Method ? $"**{v.Name}**" : v.Name;

    static string Probe(StudyVariantReport v) => v.Causality switch
    {
        { Causal: true } => "causal",
        { Leaks: true } => "**LEAKS**",
        _ => "not certified",
    };

    /// <summary>"Agrees", "Partly agrees", "Disagrees" or "Not measured".</summary>
    public static string Verdict(FindingVerdict verdict) => verdict switch
    {
        FindingVerdict.Agrees => "Agrees",
        FindingVerdict.PartlyAgrees => "Partly agrees",
        FindingVerdict.Disagrees => "Disagrees",
        _ => "Not measured",
    };

    /// <summary>"0:45:12".</summary>
    public static string Duration(double seconds) => seconds < 60
        ? seconds.ToString("F1", Invariant) + " s"
        : F($"{(int)(seconds / 3600)}:{(int)(seconds / 60) % 60:D2}:{(int)seconds % 60:D2}");

    static string F(params FormattableString[] parts) => string.Concat(parts.Select(p => p.ToString(Invariant)));
}
