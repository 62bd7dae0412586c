using System.Diagnostics;
using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using LinearDsl.Runtime.Training;
using static TorchSharp.torch;

namespace LinearDsl.Study;

/// <summary>
/// The body of <c>lineardsl study</c>: level the variants' parameter counts, train the fixed draft and every variant
/// with the same data, optimizer, budget and seed, measure each (validation perplexity, generation check, causality
/// probe, sample), then decode latency and state bytes at each context and greedy speculative decoding on one torch
/// thread, and write study.json, study.md and the figures.
/// </summary>
public static class StudyRun
{
    /// <summary>The prompt of every variant's sample text.</summary>
    public const string SamplePrompt = "And the LORD said unto Moses, ";

    /// <summary>Folder under the output folder that receives the trained models.</summary>
    public const string ModelsFolder = "models";

    /// <summary>Torch threads of the decoding measurements (batch-1 decoding is a chain of tiny ops; a second thread adds jitter).</summary>
    public const int DecodingThreads = 1;

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    sealed class Trained(StudyVariant variant, ModelConfig config, CausalLanguageModel model)
    {
        public StudyVariant Variant { get; } = variant;
        public ModelConfig Config { get; } = config;
        public CausalLanguageModel Model { get; } = model;
        public long Parameters { get; set; }
        public TrainingResult? Training { get; set; }
        public EvaluationResult? Validation { get; set; }
        public GenerationCheck? Generation { get; set; }
        public StudyCausality? Causality { get; set; }
        public string Sample { get; set; } = string.Empty;
        public string Checkpoint { get; set; } = string.Empty;
        public string? Refusal { get; set; }
        public List<DecodePoint>? Decode { get; set; }
        public SpeculativeComparison? Speculative { get; set; }
    }

    /// <summary>Runs the study that <paramref name="options"/> describe, showing its progress through <paramref name="host"/>.</summary>
    /// <exception cref="StudyException">The corpus or the options cannot be used, or a result cannot be written.</exception>
    public static void Execute(StudyOptions options, IStudyHost host, CancellationToken cancellationToken)
    {
        StudyRunRecord.Execute(options, record => Run(options, host, record, cancellationToken));
    }

    static void Run(StudyOptions options, IStudyHost host, StudyRunRecord record, CancellationToken cancellationToken)
    {
        var budget = options.Budget;
        var variants = options.Variants;
        if (!variants.Any(v => v.Key == StudyVariants.Reference))
            throw new StudyException($"the variants must include '{StudyVariants.Reference}': it is the reference of the parameter counts and of every comparison.");
        var configs = StudyShapes.Configs(variants, budget.MicroModels);
        int context = configs[StudyVariants.Reference].ContextLength;
        ulong seed = (ulong)options.Seed;

        var (tokenizer, data, output) = StudyRunRecord.ReadCorpus(options, host, context);

        var runs = new List<Trained>();
        try
        {
            foreach (var variant in variants)
            {
                var config = configs[variant.Key];
                runs.Add(new Trained(variant, config, ModelFactory.Create(config, seed)));
            }
            foreach (var run in runs) run.Parameters = StudyShapes.CountParameters(run.Model);
            StudyShapes.CheckLevel(runs.ToDictionary(r => r.Variant.Key, r => r.Parameters));
            long reference = runs.Single(r => r.Variant.Key == StudyVariants.Reference).Parameters;

            host.WriteLine(string.Create(Invariant,
                $"study: {runs.Count} variants, budget {budget.Name}: {budget.Steps} steps x {budget.Batch} x {context} tokens each ({budget.TrainingTokens(context) / 1e6:F2} M), seed {options.Seed}"));
            host.WriteLine(string.Create(Invariant,
                $"data: {data.Train.Count} training and {data.Validation.Count} validation sequences of {context} bytes from {options.CorpusPath}"));
            foreach (var run in runs)
                host.WriteLine(string.Create(Invariant,
                    $"  {run.Variant.Key,-13} {run.Parameters,10:N0} parameters ({StudyShapes.Deviation(run.Parameters, reference):+0.0%;-0.0%;0.0%})  {run.Variant.DeclaredAs}"));

            var draftConfig = StudyShapes.DraftConfig(budget.MicroModels);
            using var draft = ModelFactory.Create(draftConfig, seed);
            host.WriteLine($"[draft] {nameof(StudyDraft)}: the fixed draft of speculative decoding");
            var draftClock = Stopwatch.StartNew();
            Train("draft", draft, data, budget, budget.DraftSteps, options.Seed, host, cancellationToken);
            var draftValidation = ValidationEvaluator.Perplexity(draft, data.Validation, budget.FinalEvalSequences, budget.Batch, cancellationToken: cancellationToken);
            double draftSeconds = draftClock.Elapsed.TotalSeconds;
            Checkpoint.Save(draft, Path.Combine(output, ModelsFolder, "draft"));

            var samplePrompt = tokenizer.Encode(SamplePrompt);
            for (int i = 0; i < runs.Count; i++)
            {
                var run = runs[i];
                host.WriteLine($"[{i + 1}/{runs.Count}] {run.Variant.Key}: {run.Variant.Description}");
                run.Training = Train(run.Variant.Key, run.Model, data, budget, budget.Steps, options.Seed, host, cancellationToken);
                run.Validation = ValidationEvaluator.Perplexity(run.Model, data.Validation, budget.FinalEvalSequences, budget.Batch, cancellationToken: cancellationToken);
                run.Checkpoint = Path.Combine(output, ModelsFolder, run.Variant.Key);
                Checkpoint.Save(run.Model, run.Checkpoint);
                run.Refusal = StudyDecoding.Refusal(run.Model);
                run.Generation = GenerationCheck.Measure(run.Model, data.Validation, budget.GenerationSequences);
                int probeLength = Math.Min(context, 256);
                long position = probeLength / 2 + 1;
                run.Causality = StudyCausality.From(CausalityProbe.Check(run.Model, probeLength, position, seed), probeLength);
                run.Sample = tokenizer.Decode(StudyDecoding.Greedy(run.Model, samplePrompt, budget.SampleTokens));
                host.WriteLine(string.Create(Invariant,
                    $"  {run.Variant.Key}: validation perplexity {run.Validation.Perplexity:F3}; token-by-token loss {run.Generation.GenerationLoss:F4} (gap {run.Generation.Gap:+0.0000;-0.0000;0.0000}); probe {(run.Causality.Causal ? "causal" : run.Causality.Leaks ? "LEAKS" : "not certified")}"));
            }

            record.ReadLoad();
            var decodable = runs.Where(r => r.Refusal is null).ToList();
            double draftRate = 0;
            int trainingThreads = get_num_threads();
            set_num_threads(DecodingThreads);
            try
            {
                var stream = DecodeStream(data.Train, budget.DecodeContexts.Max() + budget.DecodeWarmupSteps + budget.DecodeTimedSteps + 1);
                var points = host.Run("Measuring decode latency", status => DecodeLatency.Measure(
                    decodable.Select(r => (r.Variant.Key, r.Model)).ToList(), stream, budget.DecodeContexts, budget.DecodeWarmupSteps, budget.DecodeTimedSteps, status));
                foreach (var run in decodable)
                {
                    run.Decode = points[run.Variant.Key];
                    host.WriteLine($"  decode {run.Variant.Key}: " + string.Join(", ", run.Decode.Select(p => string.Create(Invariant,
                        $"{p.MsPerToken:F3} ms/token, {StudyFindings.Bytes(p.StateBytes)} at {p.Context}"))));
                }
                draft.eval();
                var prompt = data.Validation[0][..Math.Min(budget.PromptTokens, data.Validation.SequenceLength)].ToArray();
                draftRate = host.Run("Plain decoding of the draft", _ => SpeculativeComparison.MeasurePlain(draft, prompt, budget.NewTokens, budget.SpeculativeRuns));
                host.WriteLine(string.Create(Invariant, $"  draft alone: {draftRate:F0} tokens/s"));
                foreach (var run in decodable)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    run.Speculative = host.Run($"Speculative decoding: {run.Variant.Key}", _ =>
                        SpeculativeComparison.Measure(run.Model, draft, prompt, budget.NewTokens, budget.DraftTokens, budget.SpeculativeRuns));
                    var s = run.Speculative;
                    host.WriteLine(string.Create(Invariant,
                        $"  speculative {run.Variant.Key}: acceptance {s.AcceptanceRate:P1}, {s.PlainTokensPerSecond:F0} -> {s.SpeculativeTokensPerSecond:F0} tokens/s ({s.SpeedUp:F2}x), identical {(s.Identical ? "yes" : "NO")}"));
                }
            }
            finally
            {
                set_num_threads(trainingThreads);
            }

            record.ReadLoad();
            var reports = runs.Select(r => VariantReport(r, reference, host)).ToArray();
            var draftReport = new StudyDraftReport
            {
                DeclaredAs = nameof(StudyDraft),
                Architecture = host.Describe(draftConfig),
                Parameters = StudyShapes.CountParameters(draft),
                Steps = budget.DraftSteps,
                ValidationLoss = draftValidation.MeanNll,
                ValidationPerplexity = draftValidation.Perplexity,
                WallTimeSeconds = draftSeconds,
                PlainTokensPerSecond = draftRate,
            };
            var header = record.Header(options, tokenizer, configs[StudyVariants.Reference], data, trainingThreads, DecodingThreads);
            var report = new StudyReport(header)
            {
                Budget = budget,
                TrainingTokensPerVariant = budget.TrainingTokens(context),
                ReferenceParameters = reference,
                Draft = draftReport,
                Variants = reports,
                Findings = StudyFindings.Compare(reports, draftReport),
            };
            Write(report, output, host);
        }
        finally
        {
            foreach (var run in runs) run.Model.Dispose();
        }
    }

    static TrainingResult Train(string name, CausalLanguageModel model, CorpusSplit data, StudyBudget budget, int steps, int seed, IStudyHost host,
        CancellationToken cancellationToken)
    {
        var options = new TrainingOptions
        {
            Steps = steps,
            BatchSize = budget.Batch,
            Seed = (ulong)seed,
            LearningRate = budget.LearningRate,
            MinLearningRate = budget.MinLearningRate,
            WarmupSteps = (int)Math.Round(steps * budget.WarmupFraction),
            WeightDecay = budget.WeightDecay,
            GradientClipNorm = budget.GradientClip,
            EvaluationInterval = Math.Min(budget.EvalEvery, steps),
            EvaluationSequences = budget.EvalSequences,
        };
        using var trainer = new Trainer(model, data, options);
        try
        {
            return host.Train(steps, progress => trainer.Train(progress, cancellationToken));
        }
        catch (InvalidOperationException error)
        {
            throw new StudyException($"training {name} failed: {error.Message}");
        }
    }

    /// <summary>Corpus text as one stream (the training sequences end to end), repeated up to <paramref name="length"/> tokens.</summary>
    static long[] DecodeStream(PackedSequences train, int length)
    {
        var stream = new long[length];
        for (int filled = 0, sequence = 0; filled < length; sequence = (sequence + 1) % train.Count)
        {
            var ids = train[sequence][..train.ContextLength];
            int take = Math.Min(ids.Length, length - filled);
            ids[..take].CopyTo(stream.AsSpan(filled));
            filled += take;
        }
        return stream;
    }

    static StudyVariantReport VariantReport(Trained run, long reference, IStudyHost host) => new()
    {
        Key = run.Variant.Key,
        Name = run.Variant.Name,
        Group = run.Variant.Group.ToString().ToLowerInvariant(),
        DeclaredAs = run.Variant.DeclaredAs,
        Description = run.Variant.Description,
        Architecture = host.Describe(run.Config),
        MlpHidden = run.Config.MlpHidden,
        Parameters = run.Parameters,
        ParameterDeviation = StudyShapes.Deviation(run.Parameters, reference),
        Training = new StudyTraining
        {
            Steps = run.Training!.Steps,
            Losses = run.Training.Losses,
            Evaluations = run.Training.Evaluations.Select(StudyEvaluation.From).ToArray(),
            FinalTrainLoss = run.Training.Losses[^1],
            WallTimeSeconds = run.Training.Elapsed.TotalSeconds,
            TokensPerSecond = run.Training.TokensPerSecond,
        },
        Validation = new StudyValidation
        {
            Loss = run.Validation!.MeanNll,
            Perplexity = run.Validation.Perplexity,
            Sequences = (int)(run.Validation.Tokens / run.Config.ContextLength),
            Tokens = run.Validation.Tokens,
        },
        GenerationCheck = run.Generation!,
        Causality = run.Causality!,
        Decode = run.Decode,
        DecodeUnsupported = run.Refusal,
        Speculative = run.Speculative,
        SpeculativeUnsupported = run.Refusal,
        Sample = run.Sample,
        Checkpoint = StudyPaths.Shown(run.Checkpoint),
    };

    static void Write(StudyReport report, string output, IStudyHost host)
    {
        string json = Path.Combine(output, StudyReport.FileName), markdown = Path.Combine(output, StudyMarkdown.FileName);
        StudyFiles.WriteJson(json, report, "the study report");
        var figures = StudyPlots.Write(report, output);
        StudyFiles.WriteText(markdown, StudyMarkdown.Render(report), "the study report");

        // Plain aligned lines, not a table: a redirected console is 80 columns wide and a table would wrap.
        int last = report.Budget.DecodeContexts.Max();
        host.WriteLine(string.Create(Invariant,
            $"{"variant",-13} {"parameters",10} {"val ppl",9} {"gen gap",8} {"probe",-8} {"ms/token@" + last,14} {"accept",7} {"speed-up",8} {"same",4}"));
        foreach (var v in report.Variants)
        {
            var s = v.Speculative;
            host.WriteLine(string.Create(Invariant,
                $"{v.Key,-13} {v.Parameters,10:N0} {v.Validation.Perplexity,9:F3} {v.GenerationCheck.Gap,8:+0.0000;-0.0000;0.0000} {(v.Causality.Causal ? "causal" : v.Causality.Leaks ? "LEAKS" : "no cert"),-8} "
                + $"{(v.Decode is { Count: > 0 } d ? d[^1].MsPerToken.ToString("F3", Invariant) : "n/a"),14} {(s is null ? "n/a" : s.AcceptanceRate.ToString("P0", Invariant)),7} "
                + $"{(s is null ? "n/a" : s.SpeedUp.ToString("F2", Invariant) + "x"),8} {(s is null ? "n/a" : s.Identical ? "yes" : "NO"),4}"));
        }
        foreach (var finding in report.Findings)
            host.WriteLine($"{StudyMarkdown.Verdict(finding.Verdict),-14} {finding.Claim}");
        host.WriteLine($"wall time {StudyMarkdown.Duration(report.WallTimeSeconds)}");
        host.WriteLine($"wrote {json}, {markdown} and {string.Join(", ", figures)} in {output}");
    }
}
