using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;
using TorchSharp;

namespace LinearDsl.Study;

/// <summary>
/// The body of <c>lineardsl study --encoders</c>: trains every encoder variant on the masked-LM objective with the
/// same batches, masks, optimizer, budget and seed, measures masked-byte loss, perplexity and accuracy on the same
/// held-out masks, and writes study-encoders.json, study-encoders.md and the figures.
/// </summary>
public static class EncoderStudyRun
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Runs the study that <paramref name="options"/> describe.</summary>
    /// <exception cref="StudyException">The corpus or the options cannot be used, or a result cannot be written.</exception>
    public static void Execute(EncoderStudyOptions options, IStudyHost host, CancellationToken cancellationToken)
        => StudyRunRecord.Execute(options, record => Run(options, host, record, cancellationToken));

    /// <summary>Training options of every model of a study run.</summary>
    internal static TrainingOptions Training(EncoderStudyBudget budget, int steps, int seed) => new()
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

    /// <summary>The variants' configs for the budget.</summary>
    internal static Dictionary<string, ModelConfig> Configs(IReadOnlyList<StudyVariant> variants, EncoderStudyBudget budget)
        => variants.ToDictionary(v => v.Key, v => budget.MicroModels ? EncoderStudyVariants.Micro(v.Config) : v.Config);

    internal static long Count(TorchSharp.torch.nn.Module model) => model.parameters().Sum(p => p.numel());

    /// <summary>Whether a mixer reads later tokens.</summary>
    internal static bool Bidirectional(MixerSpec mixer) => mixer.Options?.NonCausal() is { Count: > 0 };

    internal static StudyTraining Report(TrainingResult training) => new()
    {
        Steps = training.Steps,
        Losses = training.Losses,
        Evaluations = training.Evaluations.Select(StudyEvaluation.From).ToArray(),
        FinalTrainLoss = training.Losses[^1],
        WallTimeSeconds = training.Elapsed.TotalSeconds,
        TokensPerSecond = training.TokensPerSecond,
    };

    static void Run(EncoderStudyOptions options, IStudyHost host, StudyRunRecord record, CancellationToken cancellationToken)
    {
        var budget = options.Budget;
        var configs = Configs(options.Variants, budget);
        var shape = configs[EncoderStudyVariants.Reference];
        var (tokenizer, data, output) = StudyRunRecord.ReadCorpus(options, host, shape.ContextLength);
        var masking = new MaskingOptions();
        host.WriteLine(string.Create(Invariant,
            $"study --encoders: {options.Variants.Count} variants, budget {budget.Name}: {budget.Steps} steps x {budget.Batch} x {shape.ContextLength} bytes each, {masking.Rate:P0} masked (80/10/10), seed {options.Seed}"));
        var results = new List<EncoderVariantReport>();
        long reference = 0;
        for (int i = 0; i < options.Variants.Count; i++)
        {
            var variant = options.Variants[i];
            var config = configs[variant.Key];
            using var model = ModelFactory.CreateEncoder(config, (ulong)options.Seed);
            long parameters = Count(model);
            if (variant.Key == EncoderStudyVariants.Reference) reference = parameters;
            host.WriteLine(string.Create(Invariant, $"[{i + 1}/{options.Variants.Count}] {variant.Key}: {variant.Description} ({parameters:N0} parameters)"));
            using var trainer = new MaskedLanguageModelTrainer(model, data, Training(budget, budget.Steps, options.Seed), masking);
            TrainingResult training;
            try
            {
                training = host.Train(budget.Steps, progress => trainer.Train(progress, cancellationToken));
            }
            catch (InvalidOperationException error)
            {
                throw new StudyException($"training {variant.Key} failed: {error.Message}");
            }
            var validation = trainer.Evaluate(budget.FinalEvalSequences, cancellationToken);
            string checkpoint = Path.Combine(output, StudyRun.ModelsFolder, variant.Key);
            Checkpoint.Save(model, checkpoint);
            host.WriteLine(string.Create(Invariant,
                $"  {variant.Key}: masked-byte loss {validation.MeanNll:F4}, perplexity {validation.Perplexity:F3}, accuracy {validation.Accuracy:P1} over {validation.MaskedTokens:N0} masked bytes"));
            results.Add(new EncoderVariantReport
            {
                Key = variant.Key,
                Name = variant.Name,
                Group = variant.Group.ToString().ToLowerInvariant(),
                DeclaredAs = variant.DeclaredAs,
                Description = variant.Description,
                Architecture = host.Describe(config),
                Bidirectional = Bidirectional(config.Mixer),
                Parameters = parameters,
                Training = Report(training),
                Validation = new MaskedValidation
                {
                    Loss = validation.MeanNll,
                    Perplexity = validation.Perplexity,
                    Accuracy = validation.Accuracy,
                    MaskedTokens = validation.MaskedTokens,
                    Sequences = Math.Min(budget.FinalEvalSequences ?? data.Validation.Count, data.Validation.Count),
                },
                Checkpoint = StudyPaths.Shown(checkpoint),
            });
        }
        record.ReadLoad();
        var ranks = EncoderStudyFindings.Ranks(results.ToDictionary(r => r.Key, r => r.Validation.Loss));
        var variants = results.Select(r => r with { Rank = ranks[r.Key], ParameterDeviation = StudyShapes.Deviation(r.Parameters, reference) }).ToArray();
        var causal = EncoderStudyFindings.ReadCausalStudy(options.CausalStudyPath);
        int threads = torch.get_num_threads();
        var header = record.Header(options, tokenizer, shape, data, threads, threads);
        var report = new EncoderStudyReport(header)
        {
            Budget = budget,
            TrainingTokensPerVariant = (long)budget.Steps * budget.Batch * shape.ContextLength,
            MaskRate = masking.Rate,
            ReferenceParameters = reference,
            CausalStudy = causal,
            Variants = variants,
            Findings = EncoderStudyFindings.Encoders(variants, causal),
        };
        Write(report, output, host);
    }

    static void Write(EncoderStudyReport report, string output, IStudyHost host)
    {
        string json = Path.Combine(output, EncoderStudyReport.FileName), markdown = Path.Combine(output, EncoderStudyMarkdown.EncodersFile);
        StudyFiles.WriteJson(json, report, "the study report");
        var figures = EncoderStudyPlots.Write(report, output);
        StudyFiles.WriteText(markdown, EncoderStudyMarkdown.Render(report), "the study report");
        foreach (var finding in report.Findings) host.WriteLine($"{StudyMarkdown.Verdict(finding.Verdict),-14} {finding.Claim}");
        host.WriteLine($"wall time {StudyMarkdown.Duration(report.WallTimeSeconds)}");
        host.WriteLine($"wrote {json}, {markdown} and {string.Join(", ", figures)} in {output}");
    }
}
