using System.Diagnostics;
using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using LinearDsl.Runtime.Training;
using static TorchSharp.torch;

namespace LinearDsl.Study;

/// <summary>
/// The body of <c>lineardsl linearize-study</c> (docs/linearize.md): pretrain the softmax teacher, linearize it into
/// each linear variant (weights reused, new mixer parameters as each method starts them), fine-tune by recipe (a)
/// "everything" and (b) attention transfer + LoRA at each fraction of the pretraining budget, train the same
/// architecture from scratch on the pretraining plus the largest fraction, distill a draft from the linearized model
/// and decode speculatively, then write linearize.json, linearize.md and the figures.
/// </summary>
public static class LinearizeRun
{
    /// <summary>Folder under the output folder that receives the trained models.</summary>
    public const string ModelsFolder = "models";

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Runs the linearization study that <paramref name="options"/> describe, showing its progress through <paramref name="host"/>.</summary>
    /// <exception cref="StudyException">The corpus or the options cannot be used, a training fails, or a result cannot be written.</exception>
    public static void Execute(LinearizeStudyOptions options, IStudyHost host, CancellationToken cancellationToken)
    {
        var problems = options.Budget.Problems();
        if (problems.Count > 0) throw new StudyException(string.Join(" ", problems));
        if (options.Variants.Count == 0 || options.Variants.Any(v => !LinearizeVariants.Eligible.Contains(v)))
            throw new StudyException($"the variants must be linear variants of the study: {string.Join(", ", LinearizeVariants.Eligible.Select(v => v.Key))}.");
        StudyRunRecord.Execute(options, record => Run(options, host, record, cancellationToken));
    }

    static void Run(LinearizeStudyOptions options, IStudyHost host, StudyRunRecord record, CancellationToken cancellationToken)
    {
        var budget = options.Budget;
        var teacherVariant = StudyVariants.Find(StudyVariants.Reference);
        var configs = StudyShapes.Configs([teacherVariant, .. options.Variants], budget.MicroModels);
        var teacherConfig = configs[StudyVariants.Reference];
        int context = teacherConfig.ContextLength;
        ulong seed = (ulong)options.Seed;

        var (tokenizer, data, output) = StudyRunRecord.ReadCorpus(options, host, context);
        var ctx = new Context(budget, data, options.Seed, host, cancellationToken);

        host.WriteLine(string.Create(Invariant,
            $"linearize-study: {options.Variants.Count} linear variants, budget {budget.Name}: pretraining {budget.PretrainSteps} steps x {budget.Batch} x {context} tokens ({Tokens(budget.PretrainSteps, budget.Batch, context)}), fine-tuning {string.Join(" and ", budget.FineTuneFractions.Select(f => f.ToString("P0", Invariant)))} of it, from scratch {budget.ScratchSteps} steps, seed {options.Seed}"));
        host.WriteLine(string.Create(Invariant, $"data: {data.Train.Count} training and {data.Validation.Count} validation sequences of {context} bytes from {options.CorpusPath}"));

        using var teacher = ModelFactory.Create(teacherConfig, seed);
        host.WriteLine($"[teacher] {teacherVariant.DeclaredAs}: pretraining the softmax model every variant is linearized from");
        var teacherTraining = ctx.Train("teacher", teacher, budget.PretrainSteps, budget.LearningRate, budget.MinLearningRate);
        var teacherValidation = ctx.Validate(teacher);
        string teacherCheckpoint = Path.Combine(output, ModelsFolder, "teacher");
        Checkpoint.Save(teacher, teacherCheckpoint);
        host.WriteLine(string.Create(Invariant, $"  teacher: validation perplexity {teacherValidation.Perplexity:F3}"));
        var continued = ContinueTeacher(ctx, teacher, teacherConfig);

        // The validation text of every attention-MSE measurement.
        using var probeBatch = data.Validation.Batch(Enumerable.Range(0, Math.Min(budget.Batch, data.Validation.Count)).ToArray());
        using var probe = probeBatch.narrow(1, 0, context);
        var prompt = data.Validation[0][..Math.Min(budget.PromptTokens, data.Validation.SequenceLength)].ToArray();
        var reports = new List<LinearizeVariantReport>();
        for (int i = 0; i < options.Variants.Count; i++)
        {
            var variant = options.Variants[i];
            host.WriteLine($"[{i + 1}/{options.Variants.Count}] {variant.Key}: {variant.Description}");
            var spec = configs[variant.Key].Mixer;
            reports.Add(LinearizeVariant(ctx, variant, spec, teacher, teacherValidation, probe, prompt, output));
        }
        record.ReadLoad();

        var teacherReport = new LinearizeTeacherReport
        {
            DeclaredAs = teacherVariant.DeclaredAs,
            Architecture = host.Describe(teacherConfig),
            Parameters = StudyShapes.CountParameters(teacher),
            Training = Training(teacherTraining),
            Validation = teacherValidation,
            Checkpoint = teacherCheckpoint,
            Continued = continued,
        };
        record.ReadLoad();
        var header = record.Header(options, tokenizer, teacherConfig, data, get_num_threads(), StudyRun.DecodingThreads);
        var report = new LinearizeReport(header)
        {
            Budget = budget,
            PretrainingTokens = (long)budget.PretrainSteps * budget.Batch * context,
            Teacher = teacherReport,
            Variants = reports,
            Findings = LinearizeFindings.Compare(teacherReport, reports),
        };
        Write(report, output, host);
    }

    /// <summary>Everything a variant's trainings share.</summary>
    sealed record Context(LinearizeBudget Budget, CorpusSplit Data, int Seed, IStudyHost Host, CancellationToken Cancellation)
    {
        public TrainingResult Train(string name, CausalLanguageModel model, int steps, double rate, double minRate, DistillationOptions? distillation = null)
        {
            var options = new TrainingOptions
            {
                Steps = steps,
                BatchSize = Budget.Batch,
                Seed = (ulong)Seed,
                LearningRate = rate,
                MinLearningRate = minRate,
                WarmupSteps = (int)Math.Round(steps * Budget.WarmupFraction),
                WeightDecay = Budget.WeightDecay,
                GradientClipNorm = Budget.GradientClip,
                EvaluationInterval = Math.Min(Budget.EvalEvery, steps),
                EvaluationSequences = Budget.EvalSequences,
            };
            using var trainer = new Trainer(model, Data, options, distillation);
            try
            {
                return Host.Train(steps, progress => trainer.Train(progress, Cancellation));
            }
            catch (InvalidOperationException error)
            {
                throw new StudyException($"training {name} failed: {error.Message}");
            }
        }

        public StudyValidation Validate(CausalLanguageModel model)
        {
            var result = ValidationEvaluator.Perplexity(model, Data.Validation, Budget.FinalEvalSequences, Budget.Batch, cancellationToken: Cancellation);
            return new StudyValidation { Loss = result.MeanNll, Perplexity = result.Perplexity, Sequences = (int)(result.Tokens / Data.ContextLength), Tokens = result.Tokens };
        }

        public long TokensOf(int steps) => (long)steps * Budget.Batch * Data.ContextLength;
    }

    static LinearizeVariantReport LinearizeVariant(Context ctx, StudyVariant variant, MixerSpec spec, CausalLanguageModel teacher, StudyValidation teacherValidation,
        Tensor probe, long[] prompt, string output)
    {
        var budget = ctx.Budget;
        var host = ctx.Host;
        var linearize = new LinearizeOptions { Target = spec };
        CausalLanguageModel Linearized() => Linearizer.Linearize(teacher, linearize);
        string Folder(string name) => Path.Combine(output, ModelsFolder, $"{variant.Key}-{name}");
        double? Recovered(double start, double loss) => LinearizeFindings.GapRecovered(start, loss, teacherValidation.Loss);

        // The linearized model before any training.
        StudyValidation linearized;
        double mseBefore;
        long parameters, mixerParameters;
        ModelConfig linearConfig;
        using (var start = Linearized())
        {
            linearConfig = start.Config!;
            linearized = ctx.Validate(start);
            mseBefore = AttentionTransfer.Loss(start, teacher, probe);
            parameters = StudyShapes.CountParameters(start);
            var names = AttentionTransfer.MixerParameterNames(start).ToHashSet();
            mixerParameters = start.named_parameters().Where(p => names.Contains(p.name)).Sum(p => p.parameter.numel());
        }
        host.WriteLine(string.Create(Invariant, $"  linearized: validation perplexity {linearized.Perplexity:F3} (teacher {teacherValidation.Perplexity:F3}), attention MSE {mseBefore:G4}, {mixerParameters:N0} new mixer parameters"));

        var runs = new List<LinearizeRunReport>();
        var fractions = budget.FineTuneFractions.Distinct().Order().ToArray();
        CausalLanguageModel? distillFrom = null;
        string distilledFrom = string.Empty;
        try
        {
            // Recipe (a): fine-tune every weight.
            foreach (double fraction in fractions)
            {
                int steps = budget.FineTuneSteps(fraction);
                host.WriteLine(string.Create(Invariant, $"  (a) fine-tune everything, {fraction:P0} of the pretraining: {steps} steps"));
                var model = Linearized();
                try
                {
                    var training = ctx.Train($"{variant.Key} (a) {fraction:P0}", model, steps, budget.FineTuneLearningRate, budget.FineTuneLearningRate / 10);
                    var validation = ctx.Validate(model);
                    Checkpoint.Save(model, Folder($"full-{Percent(fraction)}"));
                    runs.Add(Run(LinearizeRunReport.FullFineTune, fraction, steps, ctx.TokensOf(budget.PretrainSteps + steps), parameters, training, validation,
                        Recovered(linearized.Loss, validation.Loss), training.Elapsed.TotalSeconds));
                    host.WriteLine(string.Create(Invariant, $"    perplexity {validation.Perplexity:F3}, gap recovered {Share(runs[^1].GapRecovered)}"));
                }
                finally
                {
                    distillFrom?.Dispose();
                    distillFrom = model;
                    distilledFrom = $"{LinearizeRunReport.FullFineTune} {fraction.ToString("P0", Invariant)}";
                }
            }

            // Recipe (b): attention transfer on the mixer parameters, then LoRA on the projections with everything else frozen.
            LinearizeTransferReport? transfer = null;
            string? skipped = null;
            using var transferred = Linearized();
            if (mixerParameters == 0)
            {
                skipped = "the mixer has no parameters (its feature map is fixed), so there is nothing to transfer; recipe (b) is LoRA alone";
                host.WriteLine("  (b) attention transfer skipped: " + skipped);
            }
            else if (budget.TransferSteps == 0)
            {
                skipped = "--transfer-steps 0";
            }
            else
            {
                host.WriteLine(string.Create(Invariant, $"  (b) attention transfer: {budget.TransferSteps} steps on {mixerParameters:N0} mixer parameters"));
                AttentionTransferResult? result = null;
                var transferOptions = new AttentionTransferOptions
                {
                    Steps = budget.TransferSteps, BatchSize = budget.Batch, LearningRate = budget.TransferLearningRate, Seed = (ulong)ctx.Seed, GradientClipNorm = budget.GradientClip,
                };
                host.Train(budget.TransferSteps, progress =>
                {
                    result = AttentionTransfer.Train(transferred, teacher, ctx.Data.Train, transferOptions, progress, ctx.Cancellation);
                    return new TrainingResult(result.Steps, result.Losses, [], result.Elapsed, ctx.TokensOf(result.Steps) / Math.Max(result.Elapsed.TotalSeconds, 1e-9), null);
                });
                double mseAfter = AttentionTransfer.Loss(transferred, teacher, probe);
                var after = ctx.Validate(transferred);
                transfer = new LinearizeTransferReport
                {
                    Steps = result!.Steps, TrainableParameters = result.TrainableParameters, Losses = result.Losses, AttentionMseAfter = mseAfter,
                    ValidationAfter = after, WallTimeSeconds = result.Elapsed.TotalSeconds,
                };
                host.WriteLine(string.Create(Invariant, $"    attention MSE {mseBefore:G4} -> {mseAfter:G4}; perplexity {linearized.Perplexity:F3} -> {after.Perplexity:F3}"));
            }
            foreach (double fraction in fractions)
            {
                int steps = budget.FineTuneSteps(fraction);
                host.WriteLine(string.Create(Invariant, $"  (b) LoRA rank {budget.LoraRank} on q/k/v and output projections, {fraction:P0} of the pretraining: {steps} steps"));
                using var model = Linearized();
                CopyWeights(transferred, model);
                TrainingResult training;
                long adapterParameters;
                using (var adapters = LoraAdapters.Attach(model, new LoraOptions { Rank = budget.LoraRank, Alpha = 2 * budget.LoraRank, Targets = LoraTargets.Attention, Seed = (ulong)ctx.Seed }))
                {
                    adapterParameters = adapters.TrainableParameters;
                    training = ctx.Train($"{variant.Key} (b) {fraction:P0}", model, steps, budget.LoraLearningRate, budget.LoraLearningRate / 10);
                    adapters.Merge();
                }
                var validation = ctx.Validate(model);
                Checkpoint.Save(model, Folder($"transfer-lora-{Percent(fraction)}"));
                runs.Add(Run(LinearizeRunReport.TransferLora, fraction, steps, ctx.TokensOf(budget.PretrainSteps + steps + (transfer?.Steps ?? 0)),
                    adapterParameters + (transfer is null ? 0 : mixerParameters), training, validation, Recovered(linearized.Loss, validation.Loss),
                    training.Elapsed.TotalSeconds + (transfer?.WallTimeSeconds ?? 0)));
                host.WriteLine(string.Create(Invariant, $"    perplexity {validation.Perplexity:F3}, gap recovered {Share(runs[^1].GapRecovered)}, {runs[^1].TrainableParameters:N0} trainable parameters"));
            }

            // The same architecture from scratch, on the tokens the longest linearized run has seen.
            host.WriteLine(string.Create(Invariant, $"  from scratch: {budget.ScratchSteps} steps"));
            LinearizeRunReport scratch;
            using (var model = ModelFactory.Create(linearConfig, (ulong)ctx.Seed))
            {
                var training = ctx.Train($"{variant.Key} from scratch", model, budget.ScratchSteps, budget.LearningRate, budget.MinLearningRate);
                var validation = ctx.Validate(model);
                Checkpoint.Save(model, Folder("scratch"));
                scratch = Run(LinearizeRunReport.Scratch, (double)budget.ScratchSteps / budget.PretrainSteps, budget.ScratchSteps, ctx.TokensOf(budget.ScratchSteps),
                    parameters, training, validation, null, training.Elapsed.TotalSeconds);
                host.WriteLine(string.Create(Invariant, $"    perplexity {validation.Perplexity:F3}"));
            }

            // A draft distilled from the linearized model, and greedy speculative decoding of that model with it.
            var (draft, speculative) = DraftAndSpeculate(ctx, variant, distillFrom!, distilledFrom, prompt, Folder("draft"));
            return new LinearizeVariantReport
            {
                Key = variant.Key,
                Name = variant.Name,
                DeclaredAs = variant.DeclaredAs,
                Description = variant.Description,
                Architecture = host.Describe(linearConfig),
                Parameters = parameters,
                MixerParameters = mixerParameters,
                Linearized = linearized,
                AttentionMse = mseBefore,
                Transfer = transfer,
                TransferSkipped = skipped,
                Runs = runs,
                Scratch = scratch,
                Draft = draft,
                Speculative = speculative,
            };
        }
        finally
        {
            distillFrom?.Dispose();
        }
    }

    /// <summary>A copy of the teacher trained on for the largest fraction with recipe (a)'s settings: the softmax model with the linearized runs' extra tokens.</summary>
    static LinearizeRunReport ContinueTeacher(Context ctx, CausalLanguageModel teacher, ModelConfig config)
    {
        var budget = ctx.Budget;
        double fraction = budget.FineTuneFractions.Max();
        int steps = budget.FineTuneSteps(fraction);
        ctx.Host.WriteLine(string.Create(Invariant, $"  teacher trained on for {fraction:P0} of the pretraining ({steps} steps), the reference for the linearized runs' extra tokens"));
        using var model = ModelFactory.Create(config, (ulong)ctx.Seed);
        CopyWeights(teacher, model);
        var training = ctx.Train("the teacher, continued", model, steps, budget.FineTuneLearningRate, budget.FineTuneLearningRate / 10);
        var validation = ctx.Validate(model);
        ctx.Host.WriteLine(string.Create(Invariant, $"    perplexity {validation.Perplexity:F3}"));
        return Run(LinearizeRunReport.TeacherContinued, fraction, steps, ctx.TokensOf(budget.PretrainSteps + steps), StudyShapes.CountParameters(model), training, validation,
            null, training.Elapsed.TotalSeconds);
    }

    static (LinearizeDraftReport, SpeculativeComparison) DraftAndSpeculate(Context ctx, StudyVariant variant, CausalLanguageModel target, string distilledFrom,
        long[] prompt, string folder)
    {
        var budget = ctx.Budget;
        var draftConfig = StudyShapes.DraftConfig(budget.MicroModels);
        using var draft = ModelFactory.Create(draftConfig, (ulong)ctx.Seed);
        ctx.Host.WriteLine(string.Create(Invariant, $"  draft {nameof(StudyDraft)}: distilled from ({distilledFrom}) for {budget.DraftSteps} steps"));
        var training = ctx.Train($"{variant.Key} draft", draft, budget.DraftSteps, budget.LearningRate, budget.MinLearningRate, new DistillationOptions { Target = target });
        var validation = ctx.Validate(draft);
        Checkpoint.Save(draft, folder);
        int trainingThreads = get_num_threads();
        set_num_threads(StudyRun.DecodingThreads);
        SpeculativeComparison speculative;
        try
        {
            target.eval();
            draft.eval();
            speculative = ctx.Host.Run($"Speculative decoding: {variant.Key}", _ =>
                SpeculativeComparison.Measure(target, draft, prompt, budget.NewTokens, budget.DraftTokens, budget.SpeculativeRuns));
        }
        finally
        {
            set_num_threads(trainingThreads);
        }
        ctx.Host.WriteLine(string.Create(Invariant,
            $"    speculative: acceptance {speculative.AcceptanceRate:P1}, {speculative.PlainTokensPerSecond:F0} -> {speculative.SpeculativeTokensPerSecond:F0} tokens/s ({speculative.SpeedUp:F2}x), identical {(speculative.Identical ? "yes" : "NO")}"));
        var report = new LinearizeDraftReport
        {
            DeclaredAs = nameof(StudyDraft),
            DistilledFrom = distilledFrom,
            Parameters = StudyShapes.CountParameters(draft),
            Steps = training.Steps,
            Validation = validation,
            WallTimeSeconds = training.Elapsed.TotalSeconds,
        };
        return (report, speculative);
    }

    /// <summary>Copies every tensor of <paramref name="from"/> into <paramref name="to"/> (the same architecture).</summary>
    static void CopyWeights(CausalLanguageModel from, CausalLanguageModel to)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sources = from.state_dict();
        foreach (var (key, target) in to.state_dict()) target.copy_(sources[key]);
    }

    static LinearizeRunReport Run(string recipe, double fraction, int steps, long totalTokens, long trainable, TrainingResult training, StudyValidation validation,
        double? recovered, double seconds) => new()
    {
        Recipe = recipe,
        Fraction = fraction,
        Steps = steps,
        TotalTokens = totalTokens,
        TrainableParameters = trainable,
        Training = Training(training),
        Validation = validation,
        GapRecovered = recovered,
        WallTimeSeconds = seconds,
    };

    static StudyTraining Training(TrainingResult training) => new()
    {
        Steps = training.Steps,
        Losses = training.Losses,
        Evaluations = training.Evaluations.Select(StudyEvaluation.From).ToArray(),
        FinalTrainLoss = training.Losses.Count > 0 ? training.Losses[^1] : double.NaN,
        WallTimeSeconds = training.Elapsed.TotalSeconds,
        TokensPerSecond = training.TokensPerSecond,
    };

    /// <summary>"10" for 0.1: the fraction in folder names.</summary>
    internal static string Percent(double fraction) => Math.Round(fraction * 100, 1).ToString("0.#", Invariant);

    static string Share(double? share) => share is double s ? s.ToString("P0", Invariant) : "n/a";

    static string Tokens(int steps, int batch, int context) => ((double)steps * batch * context / 1e6).ToString("F2", Invariant) + " M";

    static void Write(LinearizeReport report, string output, IStudyHost host)
    {
        string json = Path.Combine(output, LinearizeReport.FileName), markdown = Path.Combine(output, LinearizeMarkdown.FileName);
        StudyFiles.WriteJson(json, report, "the linearization report");
        var figures = LinearizePlots.Write(report, output);
        StudyFiles.WriteText(markdown, LinearizeMarkdown.Render(report), "the linearization report");

        host.WriteLine(string.Create(Invariant, $"{"variant",-13} {"run",-22} {"val ppl",9} {"gap rec.",8} {"trainable",10} {"wall",8}"));
        host.WriteLine(string.Create(Invariant, $"{"softmax",-13} {"teacher",-22} {report.Teacher.Validation.Perplexity,9:F3} {"",8} {report.Teacher.Parameters,10:N0} {StudyMarkdown.Duration(report.Teacher.Training.WallTimeSeconds),8}"));
        if (report.Teacher.Continued is { } c)
            host.WriteLine(string.Create(Invariant, $"{"softmax",-13} {LinearizeFindings.RunName(c),-22} {c.Validation.Perplexity,9:F3} {"",8} {c.TrainableParameters,10:N0} {StudyMarkdown.Duration(c.WallTimeSeconds),8}"));
        foreach (var v in report.Variants)
        {
            host.WriteLine(string.Create(Invariant, $"{v.Key,-13} {"linearized",-22} {v.Linearized.Perplexity,9:F3} {Share(0),8} {0,10:N0} {"",8}"));
            foreach (var r in v.Runs.Append(v.Scratch))
                host.WriteLine(string.Create(Invariant,
                    $"{v.Key,-13} {LinearizeFindings.RunName(r),-22} {r.Validation.Perplexity,9:F3} {(r.Recipe == LinearizeRunReport.Scratch ? "" : Share(r.GapRecovered)),8} {r.TrainableParameters,10:N0} {StudyMarkdown.Duration(r.WallTimeSeconds),8}"));
            if (v.Speculative is { } s)
                host.WriteLine(string.Create(Invariant, $"{v.Key,-13} speculative: acceptance {s.AcceptanceRate:P0}, speed-up {s.SpeedUp:F2}x, identical {(s.Identical ? "yes" : "NO")}"));
        }
        foreach (var finding in report.Findings)
            host.WriteLine($"{StudyMarkdown.Verdict(finding.Verdict),-14} {finding.Claim}");
        host.WriteLine($"wall time {StudyMarkdown.Duration(report.WallTimeSeconds)}");
        host.WriteLine($"wrote {json}, {markdown} and {string.Join(", ", figures)} in {output}");
    }
}
