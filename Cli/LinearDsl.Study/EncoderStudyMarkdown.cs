using System.Globalization;
using System.Text;

namespace LinearDsl.Study;

/// <summary>study-encoders.md and study-seq2seq.md: the settings, a table per variant, the findings and the figures.</summary>
public static class EncoderStudyMarkdown
{
    public const string EncodersFile = "study-encoders.md", Seq2SeqFile = "study-seq2seq.md";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The encoder study as markdown.</summary>
    public static string Render(EncoderStudyReport report)
    {
        var text = new StringBuilder();
        Header(text, "Encoder study: masked-LM on bytes", report, report.Budget);
        text.AppendLine(string.Create(Invariant, $"BERT-style masking: {report.MaskRate:P0} of the bytes of every row (80 % the mask token, 10 % a random byte, 10 % kept); the same masks for every variant. Loss, perplexity and accuracy are over the masked positions of the held-out rows."));
        text.AppendLine();
        text.AppendLine("| rank | variant | bidirectional | parameters | masked loss | perplexity | accuracy | decoder-only perplexity | train s |");
        text.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var v in report.Variants.OrderBy(v => v.Rank))
        {
            string causal = report.CausalStudy?.Perplexity.TryGetValue(v.Key, out double p) == true ? p.ToString("F3", Invariant) : "n/a";
            text.AppendLine(string.Create(Invariant,
                $"| {v.Rank} | {v.Name} (`{v.DeclaredAs}`) | {(v.Bidirectional ? "yes" : "no")} | {v.Parameters:N0} ({v.ParameterDeviation:+0.0%;-0.0%;0.0%}) | {v.Validation.Loss:F4} | {v.Validation.Perplexity:F3} | {v.Validation.Accuracy:P1} | {causal} | {v.Training.WallTimeSeconds:F0} |"));
        }
        Findings(text, report.Findings, report.CausalStudy);
        Figures(text);
        return text.ToString();
    }

    /// <summary>The seq2seq study as markdown.</summary>
    public static string Render(Seq2SeqStudyReport report)
    {
        var text = new StringBuilder();
        Header(text, "Seq2seq study: span corruption on bytes", report, report.Budget);
        text.AppendLine(string.Create(Invariant,
            $"T5-style span corruption: each row of {report.Context} bytes loses {report.SpansPerExample} spans (15 % of its bytes, mean span 3); sources of {report.SourceLength} tokens, targets of {report.TargetLength}. Exact spans: greedy decoding of the held-out examples, a span counts when its bytes come back exactly. Draft: `{report.Draft.DeclaredAs}`, {report.Draft.Parameters:N0} parameters, validation perplexity {report.Draft.ValidationPerplexity:F3}."));
        text.AppendLine();
        text.AppendLine("| rank | variant | encoder bidirectional | cross-attention | parameters | loss | perplexity | exact spans | token accuracy | memory (half / full source) | speculative identical (acceptance) |");
        text.AppendLine("|---:|---|---|---|---:|---:|---:|---:|---:|---|---|");
        foreach (var v in report.Variants.OrderBy(v => v.Rank))
        {
            text.AppendLine(string.Create(Invariant,
                $"| {v.Rank} | {v.Name} (`{v.DeclaredAs}`) | {(v.EncoderBidirectional ? "yes" : "no")} | {v.CrossAttention} | {v.Parameters:N0} ({v.ParameterDeviation:+0.0%;-0.0%;0.0%}) | {v.Validation.Loss:F4} | {v.Validation.Perplexity:F3} | {v.Spans.Exact}/{v.Spans.Spans} ({v.Spans.Accuracy:P1}) | {v.Spans.TokenAccuracy:P1} | {StudyFindings.Bytes(v.MemoryBytes[0])} / {StudyFindings.Bytes(v.MemoryBytes[1])} | {(v.Speculative.Identical ? "yes" : "NO")} ({v.Speculative.AcceptanceRate:P0}) |"));
        }
        Findings(text, report.Findings, report.CausalStudy);
        if (report.Variants.FirstOrDefault(v => v.Key == EncoderStudyVariants.Reference) is { } softmax)
        {
            text.AppendLine("## Sample (softmax, first held-out example)");
            text.AppendLine();
            text.AppendLine("```text");
            text.AppendLine(Invariant, $"source:    {softmax.Sample.Source}");
            text.AppendLine(Invariant, $"expected:  {softmax.Sample.Expected}");
            text.AppendLine(Invariant, $"predicted: {softmax.Sample.Predicted}");
            text.AppendLine("```");
            text.AppendLine();
        }
        Figures(text);
        return text.ToString();
    }

    static void Header(StringBuilder text, string title, StudyRunHeader report, EncoderStudyBudget budget)
    {
        text.AppendLine(Invariant, $"# {title}");
        text.AppendLine();
        text.AppendLine(Invariant, $"Command: `{report.Command}`");
        text.AppendLine();
        text.AppendLine(string.Create(Invariant,
            $"Budget {budget.Name}: {budget.Steps} steps x {budget.Batch} rows, AdamW lr {budget.LearningRate} (cosine to {budget.MinLearningRate}, {budget.WarmupSteps} warmup steps), seed {report.Seed}. Corpus {report.Corpus} ({report.TrainSequences} training and {report.ValidationSequences} validation rows of {report.Context} bytes). Machine: {report.Machine}, {report.Cores} cores, {report.TrainingThreads} torch threads; commit {report.Commit}; wall time {StudyMarkdown.Duration(report.WallTimeSeconds)}."));
        text.AppendLine();
    }

    static void Findings(StringBuilder text, IReadOnlyList<StudyFinding> findings, CausalStudyRanks? causal)
    {
        text.AppendLine();
        text.AppendLine("## Findings against the paper");
        text.AppendLine();
        if (causal is not null) text.AppendLine(Invariant, $"Decoder-only places come from the causal study's report `{causal.Path}` (commit {causal.Commit}).\n");
        foreach (var finding in findings)
        {
            text.AppendLine(Invariant, $"- **{StudyMarkdown.Verdict(finding.Verdict)}.** {finding.Claim}");
            text.AppendLine(Invariant, $"  Measured: {finding.Measured}");
        }
        text.AppendLine();
    }

    static void Figures(StringBuilder text)
    {
        text.AppendLine("## Figures");
        text.AppendLine();
        text.AppendLine(Invariant, $"![validation loss]({EncoderStudyPlots.ValidationLossFile})");
        text.AppendLine();
        text.AppendLine(Invariant, $"![training loss]({EncoderStudyPlots.TrainingLossFile})");
    }
}
