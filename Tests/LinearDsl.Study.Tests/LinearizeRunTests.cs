using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Study.Tests;

/// <summary>
/// The linearization study as a library at the micro budget: every variant is linearized, fine-tuned by both recipes at
/// every fraction and trained from scratch, its draft decodes speculatively and exactly, and the report, markdown and
/// figures are written; bad options are one-line <see cref="StudyException"/>s.
/// </summary>
public sealed class LinearizeRunTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "lineardsl-linearize-" + Guid.NewGuid().ToString("N")[..8]);

    public LinearizeRunTests()
    {
        Directory.CreateDirectory(_root);
        var random = new Random(5);
        string[] words = ["the", "sea", "and", "a", "ship", "sailed", "on", "in", "light", "of", "morning", "came", "land"];
        File.WriteAllText(Corpus, string.Join(' ', Enumerable.Range(0, 2500).Select(_ => words[random.Next(words.Length)])));
    }

    string Corpus => Path.Combine(_root, "corpus.txt");

    string Output => Path.Combine(_root, "out");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    sealed class RecordingHost : IStudyHost
    {
        public List<string> Lines { get; } = [];
        public List<int> Trainings { get; } = [];

        public void WriteLine(string line) => Lines.Add(line);
        public T Run<T>(string status, Func<Action<string>, T> work) => work(_ => { });
        public TrainingResult Train(int steps, Func<IProgress<TrainingProgress>, TrainingResult> train)
        {
            Trainings.Add(steps);
            return train(new Progress<TrainingProgress>());
        }
        public string Describe(ModelConfig config) => $"described by the host: width {config.Width}";
    }

    LinearizeStudyOptions Options(string variants) => new()
    {
        Budget = LinearizeBudget.Micro,
        Variants = LinearizeVariants.Select(variants),
        Seed = 2,
        OutputFolder = Output,
        CorpusPath = Corpus,
        CorpusName = "corpus.txt",
        Command = "test",
    };

    [Fact]
    public void A_micro_linearization_study_runs_every_recipe_and_writes_its_report_and_figures()
    {
        var host = new RecordingHost();
        var budget = LinearizeBudget.Micro;
        LinearizeRun.Execute(Options("augmented,elu"), host, CancellationToken.None);

        var report = System.Text.Json.JsonSerializer.Deserialize<ReportView>(File.ReadAllText(Path.Combine(Output, LinearizeReport.FileName)))!;
        report.Teacher.Validation.Perplexity.Should().BeGreaterThan(1);
        report.Teacher.Training.Losses.Should().HaveCount(budget.PretrainSteps);
        report.Teacher.Continued!.Recipe.Should().Be(LinearizeRunReport.TeacherContinued);
        report.Teacher.Continued.Steps.Should().Be(budget.FineTuneSteps(0.25), "the teacher trains on for the largest fraction");
        report.Teacher.Continued.Training.Losses.Should().HaveCount(report.Teacher.Continued.Steps);
        report.Teacher.Continued.TotalTokens.Should().Be(budget.ScratchSteps * (long)budget.Batch * StudyShapes.MicroContext);
        report.Variants.Select(v => v.Key).Should().Equal("elu", "augmented");
        int lora = 0;
        foreach (var v in report.Variants)
        {
            v.Architecture.Should().StartWith("described by the host");
            v.Linearized.Perplexity.Should().BeGreaterThan(1, v.Key);
            v.AttentionMse.Should().BeGreaterThan(0, $"{v.Key}'s linear attention differs from softmax at linearization");
            v.Runs.Select(r => (r.Recipe, r.Fraction)).Should().Equal(
                (LinearizeRunReport.FullFineTune, 0.10), (LinearizeRunReport.FullFineTune, 0.25),
                (LinearizeRunReport.TransferLora, 0.10), (LinearizeRunReport.TransferLora, 0.25));
            foreach (var run in v.Runs)
            {
                run.Steps.Should().Be(budget.FineTuneSteps(run.Fraction));
                run.Training.Losses.Should().HaveCount(run.Steps);
                run.Validation.Perplexity.Should().BeGreaterThan(1);
                run.WallTimeSeconds.Should().BeGreaterThan(0);
                if (run.Recipe == LinearizeRunReport.FullFineTune) run.TrainableParameters.Should().Be(v.Parameters, "recipe (a) trains every weight");
                else
                {
                    lora = checked((int)(run.TrainableParameters - (v.Transfer is null ? 0 : v.MixerParameters)));
                    // Rank r adapters on qkv [3w, w] and o [w, w] per layer: r x (w + 3w) + r x (w + w).
                    int w = StudyShapes.MicroWidth;
                    lora.Should().Be(StudyShapes.MicroLayers * budget.LoraRank * (4 * w + 2 * w), "recipe (b) trains the adapters (and the mixer in its transfer) only");
                }
            }
            v.Scratch.Steps.Should().Be(budget.ScratchSteps);
            v.Scratch.TotalTokens.Should().Be(v.Runs.Single(r => r.Recipe == LinearizeRunReport.FullFineTune && r.Fraction == 0.25).TotalTokens,
                "from scratch sees the tokens of the pretraining plus the largest fine-tuning");
            v.Speculative!.Identical.Should().BeTrue($"greedy speculative decoding of linearized {v.Key} must equal plain decoding");
            v.Draft!.DistilledFrom.Should().Be("full 25 %");
            foreach (var name in new[] { "full-10", "full-25", "transfer-lora-10", "transfer-lora-25", "scratch", "draft" })
                Directory.Exists(Path.Combine(Output, LinearizeRun.ModelsFolder, $"{v.Key}-{name}")).Should().BeTrue($"{v.Key}-{name} is saved");
        }
        var elu = report.Variants[0];
        elu.MixerParameters.Should().Be(0);
        elu.Transfer.Should().BeNull();
        elu.TransferSkipped.Should().Contain("no parameters");
        var augmented = report.Variants[1];
        augmented.MixerParameters.Should().Be(StudyShapes.MicroLayers * (1 + StudyShapes.MicroHeads * StudyShapes.Configs([StudyVariants.Find("augmented")], true)["augmented"].Mixer.Augmented!.ConvTaps),
            "alpha and a conv kernel per layer are the only new parameters");
        augmented.Transfer!.Losses.Should().HaveCount(budget.TransferSteps);
        host.Trainings.Should().Contain(budget.TransferSteps, "the transfer shows its progress like a training");

        report.Findings.Should().HaveCount(7);
        report.Findings.Single(f => f.Claim.Contains("exactly the tokens")).Verdict.Should().Be(FindingVerdict.Agrees);
        string markdown = File.ReadAllText(Path.Combine(Output, LinearizeMarkdown.FileName));
        markdown.Should().Contain("    test").And.Contain("## Compared with the paper and LoLCATs").And.Contain("(b) transfer+LoRA 25 %");
        foreach (var figure in new[] { LinearizePlots.LossFile, LinearizePlots.GapFile, LinearizePlots.TokensFile })
        {
            File.ReadAllBytes(Path.Combine(Output, figure)).Take(4).Should().Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], figure);
            markdown.Should().Contain($"]({figure})");
        }
        Directory.EnumerateFiles(Output, "*.tmp*").Should().BeEmpty("every file is written whole");
        host.Lines.Should().Contain(l => l.StartsWith("wall time"));
    }

    /// <summary>The report read back (the JSON converters of the findings' verdicts included).</summary>
    sealed record ReportView
    {
        [System.Text.Json.Serialization.JsonPropertyName("teacher")] public required LinearizeTeacherReport Teacher { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("variants")] public required IReadOnlyList<LinearizeVariantReport> Variants { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("findings")] public required IReadOnlyList<StudyFinding> Findings { get; init; }
    }

    [Fact]
    public void Every_micro_variant_is_linearized_with_the_teachers_weights_and_the_augmented_forms_start_as_local_attention()
    {
        using var scope = NewDisposeScope();
        var configs = StudyShapes.Configs([StudyVariants.Find(StudyVariants.Reference), .. LinearizeVariants.Eligible], micro: true);
        using var teacher = ModelFactory.Create(configs[StudyVariants.Reference], seed: 3, dtype: ScalarType.Float64);
        var tokens = randint(0, 256, [2, StudyShapes.MicroContext], ScalarType.Int64, generator: new torch.Generator(4));
        var teacherState = teacher.state_dict();
        var outputs = new Dictionary<string, Tensor>();
        foreach (var variant in LinearizeVariants.Eligible)
        {
            using var model = Linearizer.Linearize(teacher, new LinearizeOptions { Target = configs[variant.Key].Mixer });
            foreach (var (key, tensor) in model.state_dict())
            {
                if (teacherState.TryGetValue(key, out var source)) tensor.eq(source).all().item<bool>().Should().BeTrue($"{variant.Key} reuses '{key}'");
                else key.Should().Contain(".self_attn.mixer.", $"{variant.Key}: only mixer tensors are new");
            }
            foreach (var mixer in model.Layers.Select(l => l.Attention.Mixer).OfType<LinearDsl.Runtime.Mixers.AugmentedLinearAttention>())
            {
                if (mixer.Alpha is { } alpha) alpha.item<double>().Should().Be(variant.Key == "flash" ? 1.0 / 64 : 0, $"{variant.Key}'s alpha starts as its method says");
                if (mixer.ConvWeight is { } conv) conv.abs().max().item<double>().Should().Be(0, $"{variant.Key}'s conv starts at zero");
            }
            outputs[variant.Key] = model.Forward(tokens).detach();
        }
        // With alpha and the conv at zero, the method and local + global add nothing to their local attention.
        foreach (var key in new[] { "augmented", "local-global" })
            outputs[key].sub(outputs["local"]).abs().max().item<double>().Should().BeLessThan(1e-12, $"{key} starts as local attention alone");
        outputs["flash"].sub(outputs["local"]).abs().max().item<double>().Should().BeGreaterThan(1e-6, "FLASH-style's global term is on from the start");
    }

    [Fact]
    public void Bad_options_are_one_line_study_exceptions()
    {
        var host = new RecordingHost();
        FluentActions.Invoking(() => LinearizeRun.Execute(Options("augmented") with { CorpusPath = Path.Combine(_root, "none.txt") }, host, CancellationToken.None))
            .Should().Throw<StudyException>().WithMessage("corpus file '*none.txt' does not exist.");
        FluentActions.Invoking(() => LinearizeRun.Execute(Options("augmented") with { Budget = LinearizeBudget.Micro with { FineTuneFractions = [0] } }, host, CancellationToken.None))
            .Should().Throw<StudyException>().WithMessage("--fractions takes fractions*");
        FluentActions.Invoking(() => LinearizeVariants.Select("leaky-conv")).Should().Throw<StudyException>().WithMessage("'leaky-conv' cannot be a linearization target*");
        FluentActions.Invoking(() => LinearizeVariants.Select("softmax")).Should().Throw<StudyException>().WithMessage("--variants names no linear variant*");
        FluentActions.Invoking(() => LinearizeVariants.Select("nope")).Should().Throw<StudyException>().WithMessage("unknown study variant 'nope'*");
        LinearizeVariants.Select(null).Select(v => v.Key).Should().Equal("hedgehog", "local-global", "augmented");
        // "all" is every variant but the softmax teacher and the leaky conv (the variant list grows with new kinds).
        LinearizeVariants.Select("all").Should().HaveCount(StudyVariants.All.Count - 2);
        Directory.Exists(Output).Should().BeFalse("nothing is written when the options are refused");
    }
}
