using System.Globalization;
using System.Text;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;
using TorchSharp;

namespace LinearDsl.Study;

/// <summary>
/// The body of <c>lineardsl study --seq2seq</c>: trains the draft and every seq2seq variant to undo span corruption
/// with the same examples, optimizer, budget and seed; measures validation loss and perplexity, exact-span accuracy
/// of greedy decoding, the encoder memory the decoder reads, and whether speculative decoding with the draft equals
/// plain greedy decoding; writes study-seq2seq.json, study-seq2seq.md and the figures.
/// </summary>
public static class Seq2SeqStudyRun
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The decoder start token; the sentinels follow it.</summary>
    public const int StartToken = 256, FirstSentinel = 257;

    /// <summary>Runs the study that <paramref name="options"/> describe.</summary>
    /// <exception cref="StudyException">The corpus or the options cannot be used, or a result cannot be written.</exception>
    public static void Execute(EncoderStudyOptions options, IStudyHost host, CancellationToken cancellationToken)
        => StudyRunRecord.Execute(options, record => Run(options, host, record, cancellationToken));

    static void Run(EncoderStudyOptions options, IStudyHost host, StudyRunRecord record, CancellationToken cancellationToken)
    {
        var budget = options.Budget;
        var configs = EncoderStudyRun.Configs(options.Variants, budget);
        var shape = configs[EncoderStudyVariants.Reference];
        var (tokenizer, data, output) = StudyRunRecord.ReadCorpus(options, host, shape.ContextLength);
        var corruption = new SpanCorruptionOptions { FirstSentinel = FirstSentinel };
        var (sourceLength, targetLength) = SpanCorruption.Lengths(data.ContextLength, corruption);
        int spans = SpanCorruption.Counts(data.ContextLength, corruption).Spans;
        host.WriteLine(string.Create(Invariant,
            $"study --seq2seq: {options.Variants.Count} variants, budget {budget.Name}: {budget.Steps} steps x {budget.Batch} rows of {data.ContextLength} bytes ({spans} spans cut: sources of {sourceLength}, targets of {targetLength} tokens), seed {options.Seed}"));

        var draftConfig = budget.MicroModels ? EncoderStudyVariants.Micro(Seq2SeqDraft.Config) : Seq2SeqDraft.Config;
        using var draft = ModelFactory.CreateSeq2Seq(draftConfig, (ulong)options.Seed);
        host.WriteLine($"[draft] {nameof(Seq2SeqDraft)}: the fixed draft of speculative decoding");
        var (_, draftValidation, _) = Train("draft", draft, data, budget, budget.DraftSteps, options.Seed, corruption, host, cancellationToken);
        Checkpoint.Save(draft, Path.Combine(output, StudyRun.ModelsFolder, "draft"));

        var results = new List<Seq2SeqVariantReport>();
        long reference = 0;
        for (int i = 0; i < options.Variants.Count; i++)
        {
            var variant = options.Variants[i];
            var config = configs[variant.Key];
            using var model = ModelFactory.CreateSeq2Seq(config, (ulong)options.Seed);
            long parameters = EncoderStudyRun.Count(model);
            if (variant.Key == EncoderStudyVariants.Reference) reference = parameters;
            host.WriteLine(string.Create(Invariant, $"[{i + 1}/{options.Variants.Count}] {variant.Key}: {variant.Description} ({parameters:N0} parameters)"));
            var (training, validation, examples) = Train(variant.Key, model, data, budget, budget.Steps, options.Seed, corruption, host, cancellationToken);
            string checkpoint = Path.Combine(output, StudyRun.ModelsFolder, variant.Key);
            Checkpoint.Save(model, checkpoint);
            var decoded = host.Run($"Greedy decoding: {variant.Key}", _ => Decode(model, draft, examples, targetLength, budget.DraftTokens, cancellationToken));
            var memory = MemoryBytes(model, examples[0].Source);
            host.WriteLine(string.Create(Invariant,
                $"  {variant.Key}: validation loss {validation.MeanNll:F4} (perplexity {validation.Perplexity:F3}); exact spans {decoded.Spans.Exact}/{decoded.Spans.Spans}; speculative identical {(decoded.Speculative.Identical ? "yes" : "NO")}"));
            var cross = config.CrossAttention!;
            results.Add(new Seq2SeqVariantReport
            {
                Key = variant.Key,
                Name = variant.Name,
                Group = variant.Group.ToString().ToLowerInvariant(),
                DeclaredAs = variant.DeclaredAs,
                Description = variant.Description,
                EncoderBidirectional = EncoderStudyRun.Bidirectional(config.Encoder!.Mixer),
                CrossAttention = cross.Kind == CrossAttentionKind.Softmax ? "softmax" : "linear " + (cross.FeatureMap ?? LinearFeatureMap.EluPlusOne).ToString().ToLowerInvariant(),
                Parameters = parameters,
                Training = EncoderStudyRun.Report(training),
                Validation = new StudyValidation
                {
                    Loss = validation.MeanNll,
                    Perplexity = validation.Perplexity,
                    Sequences = (int)(validation.Tokens / targetLength),
                    Tokens = validation.Tokens,
                },
                Spans = decoded.Spans,
                MemoryBytes = memory,
                Speculative = decoded.Speculative,
                Sample = new Seq2SeqSample { Source = Text(examples[0].Source), Expected = Text(examples[0].Target), Predicted = Text(decoded.First) },
                Checkpoint = StudyPaths.Shown(checkpoint),
            });
        }
        record.ReadLoad();
        var ranks = EncoderStudyFindings.Ranks(results.ToDictionary(r => r.Key, r => r.Validation.Loss));
        var variants = results.Select(r => r with { Rank = ranks[r.Key], ParameterDeviation = StudyShapes.Deviation(r.Parameters, reference) }).ToArray();
        var causal = EncoderStudyFindings.ReadCausalStudy(options.CausalStudyPath);
        int threads = torch.get_num_threads();
        var report = new Seq2SeqStudyReport(record.Header(options, tokenizer, shape, data, threads, threads))
        {
            Budget = budget,
            TrainingTokensPerVariant = (long)budget.Steps * budget.Batch * (sourceLength + targetLength),
            SourceLength = sourceLength,
            TargetLength = targetLength,
            SpansPerExample = spans,
            ReferenceParameters = reference,
            CausalStudy = causal,
            Draft = new Seq2SeqDraftReport
            {
                DeclaredAs = nameof(Seq2SeqDraft),
                Parameters = EncoderStudyRun.Count(draft),
                Steps = budget.DraftSteps,
                ValidationLoss = draftValidation.MeanNll,
                ValidationPerplexity = draftValidation.Perplexity,
            },
            Variants = variants,
            Findings = EncoderStudyFindings.Seq2Seq(variants, causal),
        };
        Write(report, output, host);
    }

    static (TrainingResult Training, EvaluationResult Validation, CorruptedText[] Examples) Train(string name, Seq2SeqModel model, CorpusSplit data,
        EncoderStudyBudget budget, int steps, int seed, SpanCorruptionOptions corruption, IStudyHost host, CancellationToken cancellationToken)
    {
        using var trainer = new Seq2SeqTrainer(model, data, EncoderStudyRun.Training(budget, steps, seed), corruption);
        try
        {
            var training = host.Train(steps, progress => trainer.Train(progress, cancellationToken));
            var validation = trainer.Evaluate(budget.FinalEvalSequences, cancellationToken);
            int examples = Math.Min(budget.DecodeExamples, data.Validation.Count);
            return (training, validation, Enumerable.Range(0, Math.Max(1, examples)).Select(trainer.ValidationExample).ToArray());
        }
        catch (InvalidOperationException error)
        {
            throw new StudyException($"training {name} failed: {error.Message}");
        }
    }

    sealed record Decoded(SpanAccuracy Spans, Seq2SeqSpeculative Speculative, long[] First);

    static Decoded Decode(Seq2SeqModel model, Seq2SeqModel draft, CorruptedText[] examples, int length, int draftTokens, CancellationToken cancellationToken)
    {
        int spans = 0, exact = 0, tokens = 0, matching = 0;
        long proposed = 0, accepted = 0;
        bool identical = true;
        long[] first = [];
        foreach (var example in examples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var plain = Seq2SeqGreedy.Plain(model, example.Source, length);
            if (first.Length == 0) first = plain;
            var (speculative, p, a) = Seq2SeqGreedy.Speculative(model, draft, example.Source, length, draftTokens);
            identical &= plain.AsSpan().SequenceEqual(speculative);
            proposed += p;
            accepted += a;
            var predicted = SpanCorruption.ReadSpans(plain, FirstSentinel);
            for (int s = 0; s < example.Spans.Count; s++)
            {
                spans++;
                if (predicted.TryGetValue(FirstSentinel + s, out var span) && span.AsSpan().SequenceEqual(example.Spans[s])) exact++;
            }
            for (int t = 0; t < length; t++) matching += plain[t] == example.Target[t] ? 1 : 0;
            tokens += length;
        }
        return new Decoded(
            new SpanAccuracy { Examples = examples.Length, Spans = spans, Exact = exact, Accuracy = spans == 0 ? 0 : (double)exact / spans, TokenAccuracy = tokens == 0 ? 0 : (double)matching / tokens },
            new Seq2SeqSpeculative { Examples = examples.Length, Identical = identical, AcceptanceRate = proposed == 0 ? 0 : (double)accepted / proposed, DraftTokens = draftTokens },
            first);
    }

    /// <summary>Bytes of the encoder memory for the first half of <paramref name="source"/> and for all of it.</summary>
    static long[] MemoryBytes(Seq2SeqModel model, long[] source)
    {
        using var scope = torch.NewDisposeScope();
        return [Bytes(model, source[..(source.Length / 2)]), Bytes(model, source)];
    }

    static long Bytes(Seq2SeqModel model, long[] source)
    {
        using var memory = model.Encode(torch.tensor(source, [1, source.Length]));
        return memory.Bytes;
    }

    /// <summary>Tokens as text: bytes as UTF-8 (invalid ones replaced), the start token as &lt;start&gt;, sentinels as &lt;s0&gt;, ...</summary>
    internal static string Text(IEnumerable<long> tokens)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        void Flush()
        {
            text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        foreach (long token in tokens)
        {
            if (token is >= 0 and < 256) bytes.Add((byte)token);
            else
            {
                Flush();
                text.Append(token == StartToken ? "<start>" : $"<s{token - FirstSentinel}>");
            }
        }
        Flush();
        return text.ToString();
    }

    static void Write(Seq2SeqStudyReport report, string output, IStudyHost host)
    {
        string json = Path.Combine(output, Seq2SeqStudyReport.FileName), markdown = Path.Combine(output, EncoderStudyMarkdown.Seq2SeqFile);
        StudyFiles.WriteJson(json, report, "the study report");
        var figures = EncoderStudyPlots.Write(report, output);
        StudyFiles.WriteText(markdown, EncoderStudyMarkdown.Render(report), "the study report");
        foreach (var finding in report.Findings) host.WriteLine($"{StudyMarkdown.Verdict(finding.Verdict),-14} {finding.Claim}");
        host.WriteLine($"wall time {StudyMarkdown.Duration(report.WallTimeSeconds)}");
        host.WriteLine($"wrote {json}, {markdown} and {string.Join(", ", figures)} in {output}");
    }
}
