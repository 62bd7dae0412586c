using System.Text.Json;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Study.Tests;

/// <summary>The study runs as a library: any host shows its progress, and its failures are one-line <see cref="StudyException"/>s.</summary>
public sealed class StudyRunTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "lineardsl-study-" + Guid.NewGuid().ToString("N")[..8]);

    public StudyRunTests()
    {
        Directory.CreateDirectory(_root);
        var random = new Random(5);
        string[] words = ["the", "sea", "and", "a", "ship", "sailed", "on", "in", "light", "of", "morning", "came", "land"];
        File.WriteAllText(Corpus, string.Join(' ', Enumerable.Range(0, 2500).Select(_ => words[random.Next(words.Length)])));
    }

    string Corpus => Path.Combine(_root, "corpus.txt");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    sealed class RecordingHost : IStudyHost
    {
        public List<string> Lines { get; } = [];
        public int Trainings { get; private set; }

        public void WriteLine(string line) => Lines.Add(line);
        public T Run<T>(string status, Func<Action<string>, T> work) => work(_ => { });
        public TrainingResult Train(int steps, Func<IProgress<TrainingProgress>, TrainingResult> train)
        {
            Trainings++;
            return train(new Progress<TrainingProgress>());
        }
        public string Describe(ModelConfig config) => $"described by the host: width {config.Width}";
    }

    StudyOptions Options(params string[] variants) => new()
    {
        Budget = StudyBudget.Micro with { DecodeContexts = [16] },
        Variants = StudyVariants.Select(string.Join(',', variants)),
        Seed = 2,
        OutputFolder = Path.Combine(_root, "out"),
        CorpusPath = Corpus,
        CorpusName = "corpus.txt",
        Command = "test",
    };

    [Fact]
    public void A_micro_study_runs_without_the_command_line_and_writes_its_report()
    {
        var host = new RecordingHost();
        StudyRun.Execute(Options(StudyVariants.Reference, "augmented"), host, CancellationToken.None);

        host.Trainings.Should().Be(3, "the draft and two variants train through the host");
        host.Lines.Should().Contain(l => l.StartsWith("wall time"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "out", StudyReport.FileName)));
        var variants = json.RootElement.GetProperty("variants").EnumerateArray().ToArray();
        variants.Select(v => v.GetProperty("key").GetString()).Should().Equal(StudyVariants.Reference, "augmented");
        variants.Should().OnlyContain(v => v.GetProperty("architecture").GetString()!.StartsWith("described by the host"));
        json.RootElement.GetProperty("corpus").GetString().Should().Be("corpus.txt");
        File.Exists(Path.Combine(_root, "out", StudyMarkdown.FileName)).Should().BeTrue();
        Directory.EnumerateFiles(Path.Combine(_root, "out"), "*.tmp*").Should().BeEmpty("every file is written whole");
    }

    [Fact]
    public void A_missing_corpus_is_one_line_that_names_it()
    {
        var act = () => StudyRun.Execute(Options(StudyVariants.Reference) with { CorpusPath = Path.Combine(_root, "none.txt") }, new RecordingHost(), CancellationToken.None);
        act.Should().Throw<StudyException>().WithMessage("corpus file '*none.txt' does not exist.");
    }

    [Fact]
    public void Variants_without_the_softmax_reference_are_refused()
    {
        var act = () => StudyRun.Execute(Options(StudyVariants.Reference) with { Variants = [StudyVariants.Find("augmented")] }, new RecordingHost(), CancellationToken.None);
        act.Should().Throw<StudyException>().WithMessage("*must include 'softmax'*");
    }
}
