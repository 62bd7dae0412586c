using System.Text.Json;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Study.Tests.Encoders;

/// <summary>
/// The encoder and seq2seq studies at the micro budget run in seconds and write every field; their trainers are
/// deterministic given the seed and give every variant the same masks and spans.
/// </summary>
public sealed class EncoderStudyRunTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "lineardsl-encstudy-" + Guid.NewGuid().ToString("N")[..8]);

    public EncoderStudyRunTests()
    {
        Directory.CreateDirectory(_root);
        var random = new Random(5);
        string[] words = ["the", "sea", "and", "a", "ship", "sailed", "on", "in", "light", "of", "morning", "came", "land"];
        File.WriteAllText(Corpus, string.Join(' ', Enumerable.Range(0, 2500).Select(_ => words[random.Next(words.Length)])));
    }

    string Corpus => Path.Combine(_root, "corpus.txt");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    sealed class QuietHost : IStudyHost
    {
        public List<string> Lines { get; } = [];
        public void WriteLine(string line) => Lines.Add(line);
        public T Run<T>(string status, Func<Action<string>, T> work) => work(_ => { });
        public TrainingResult Train(int steps, Func<IProgress<TrainingProgress>, TrainingResult> train) => train(new Progress<TrainingProgress>());
        public string Describe(ModelConfig config) => $"width {config.Width}";
    }

    EncoderStudyOptions Options(IReadOnlyList<StudyVariant> all, string output, string? causal = null) => new()
    {
        Budget = EncoderStudyBudget.Micro,
        Variants = all,
        Seed = 2,
        OutputFolder = Path.Combine(_root, output),
        CorpusPath = Corpus,
        CorpusName = "corpus.txt",
        Command = "test",
        CausalStudyPath = causal,
    };

    string CausalStudy()
    {
        string path = Path.Combine(_root, "study.json");
        File.WriteAllText(path, """{ "commit": "abc", "variants": [ { "key": "softmax", "validation": { "perplexity": 3.0 } }, { "key": "elu", "validation": { "perplexity": 6.0 } }, { "key": "relu", "validation": { "perplexity": 5.0 } }, { "key": "performer", "validation": { "perplexity": 3.7 } }, { "key": "hedgehog", "validation": { "perplexity": 3.8 } }, { "key": "augmented", "validation": { "perplexity": 2.9 } } ] }""");
        return path;
    }

    [Fact]
    public void A_micro_encoder_study_trains_every_variant_and_writes_every_field()
    {
        var host = new QuietHost();
        var options = Options(EncoderStudyVariants.Encoders, "enc", CausalStudy());
        EncoderStudyRun.Execute(options, host, CancellationToken.None);

        var report = JsonSerializer.Deserialize<EncoderStudyReport>(File.ReadAllText(Path.Combine(options.OutputFolder, EncoderStudyReport.FileName)))!;
        report.Command.Should().Be("test");
        report.Variants.Select(v => v.Key).Should().Equal(EncoderStudyVariants.Encoders.Select(v => v.Key));
        report.Variants.Select(v => v.Rank).Should().OnlyContain(r => r >= 1 && r <= report.Variants.Count);
        foreach (var v in report.Variants)
        {
            v.Training.Losses.Should().HaveCount(EncoderStudyBudget.Micro.Steps, v.Key);
            v.Training.Evaluations.Should().HaveCount(2, v.Key);
            v.Validation.MaskedTokens.Should().BeGreaterThan(0, v.Key);
            v.Validation.Perplexity.Should().BeGreaterThan(1, v.Key);
            v.Validation.Accuracy.Should().BeInRange(0, 1, v.Key);
            v.Bidirectional.Should().Be(!EncoderStudyVariants.CausalEncoders.Contains(v.Key), v.Key);
            File.Exists(Path.Combine(v.Checkpoint, "config.json")).Should().BeTrue(v.Key);
        }
        report.CausalStudy!.Commit.Should().Be("abc");
        report.Findings.Should().HaveCount(4).And.OnlyContain(f => f.Verdict != FindingVerdict.NotMeasured, "every claim has its variants and the causal study");
        foreach (string file in new[] { EncoderStudyMarkdown.EncodersFile, EncoderStudyPlots.ValidationLossFile, EncoderStudyPlots.TrainingLossFile })
            File.Exists(Path.Combine(options.OutputFolder, file)).Should().BeTrue(file);
        File.ReadAllText(Path.Combine(options.OutputFolder, EncoderStudyMarkdown.EncodersFile)).Should().Contain("## Findings against the paper");
    }

    [Fact]
    public void A_micro_seq2seq_study_trains_every_variant_decodes_and_speculates_identically()
    {
        var host = new QuietHost();
        var options = Options(EncoderStudyVariants.Seq2Seq, "s2s");
        Seq2SeqStudyRun.Execute(options, host, CancellationToken.None);

        var report = JsonSerializer.Deserialize<Seq2SeqStudyReport>(File.ReadAllText(Path.Combine(options.OutputFolder, Seq2SeqStudyReport.FileName)))!;
        report.Variants.Select(v => v.Key).Should().Equal(EncoderStudyVariants.Seq2Seq.Select(v => v.Key));
        report.Draft.ValidationPerplexity.Should().BeGreaterThan(1);
        report.SourceLength.Should().Be(SpanCorruption.Lengths(StudyShapes.MicroContext, new SpanCorruptionOptions { FirstSentinel = 257 }).Source);
        foreach (var v in report.Variants)
        {
            v.Training.Losses.Should().HaveCount(EncoderStudyBudget.Micro.Steps, v.Key);
            v.Validation.Perplexity.Should().BeGreaterThan(1, v.Key);
            v.Spans.Examples.Should().Be(EncoderStudyBudget.Micro.DecodeExamples, v.Key);
            v.Spans.Spans.Should().Be(v.Spans.Examples * report.SpansPerExample, v.Key);
            v.Speculative.Identical.Should().BeTrue($"{v.Key}: speculative greedy decoding must equal plain greedy decoding");
            v.MemoryBytes.Should().HaveCount(2);
            if (v.CrossAttention == "softmax") v.MemoryBytes[1].Should().BeGreaterThan(v.MemoryBytes[0], v.Key);
            else v.MemoryBytes[1].Should().Be(v.MemoryBytes[0], $"{v.Key}: linear cross-attention keeps a sum, whatever the source length");
            v.Sample.Expected.Should().StartWith("<s0>", v.Key);
        }
        report.Findings.Should().HaveCount(5);
        report.Findings[0].Verdict.Should().Be(FindingVerdict.NotMeasured, "no causal study was given");
        File.Exists(Path.Combine(options.OutputFolder, EncoderStudyMarkdown.Seq2SeqFile)).Should().BeTrue();
    }

    [Fact]
    public void Speculative_decoding_with_a_different_draft_gives_the_plain_greedy_tokens()
    {
        var target = EncoderStudyVariants.Micro(Seq2SeqSoftmax.Config);
        using var model = ModelFactory.CreateSeq2Seq(EncoderStudyVariants.Micro(Seq2SeqAugmented.Config), 3);
        using var draft = ModelFactory.CreateSeq2Seq(EncoderStudyVariants.Micro(Seq2SeqDraft.Config), 4);
        var source = Enumerable.Range(0, 20).Select(i => (long)(i * 7 % 256)).ToArray();
        var plain = Seq2SeqGreedy.Plain(model, source, 12);
        foreach (int k in new[] { 1, 2, 4 })
        {
            var (tokens, proposed, accepted) = Seq2SeqGreedy.Speculative(model, draft, source, 12, k);
            tokens.Should().Equal(plain, $"draft tokens {k}");
            accepted.Should().BeLessThanOrEqualTo(proposed);
        }
        // A draft that is the target itself accepts everything.
        var (same, p, a) = Seq2SeqGreedy.Speculative(model, model, source, 12, 3);
        same.Should().Equal(plain);
        a.Should().Be(p);
        target.Architecture.Should().Be(ModelArchitecture.Seq2Seq);
    }

    [Fact]
    public void The_masked_LM_trainer_is_deterministic_and_every_variant_gets_the_same_masks()
    {
        var data = SequencePacker.Load(Corpus, new ByteTokenizer(withEndOfText: false), StudyShapes.MicroContext, 0.05);
        var options = EncoderStudyRun.Training(EncoderStudyBudget.Micro, 3, 7);
        double[] Losses(ModelConfig config)
        {
            using var model = ModelFactory.CreateEncoder(config, 1);
            using var trainer = new MaskedLanguageModelTrainer(model, data, options);
            return trainer.Train().Losses.ToArray();
        }
        var softmax = EncoderStudyVariants.Micro(EncoderSoftmax.Config);
        Losses(softmax).Should().Equal(Losses(softmax), "the same seed gives the same batches, masks and weights");

        using var a = ModelFactory.CreateEncoder(softmax, 1);
        using var b = ModelFactory.CreateEncoder(EncoderStudyVariants.Micro(EncoderAugmented.Config), 1);
        using var first = new MaskedLanguageModelTrainer(a, data, options);
        using var second = new MaskedLanguageModelTrainer(b, data, options);
        first.ValidationRow(3).Inputs.Should().Equal(second.ValidationRow(3).Inputs);
        first.ValidationRow(3).Labels.Should().Equal(second.ValidationRow(3).Labels);
        first.ValidationRow(3).Labels.Should().NotEqual(first.ValidationRow(4).Labels);
    }
}
