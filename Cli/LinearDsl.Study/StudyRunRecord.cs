using System.Diagnostics;
using System.Globalization;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using static TorchSharp.torch;

namespace LinearDsl.Study;

/// <summary>
/// What every study run does around its own work: it runs on the requested torch threads, keeps the clock and the load
/// readings its report records, reads the corpus with the byte tokenizer, and fills the report's header.
/// </summary>
internal sealed class StudyRunRecord
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly List<double> _load = [LoadAverage()];
    readonly DateTime _started = DateTime.UtcNow;

    StudyRunRecord()
    {
    }

    /// <summary>The wall time so far.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts the record and runs <paramref name="run"/> on the torch threads of <paramref name="options"/>, restoring the thread count after.</summary>
    public static void Execute(StudyRunOptions options, Action<StudyRunRecord> run)
    {
        var record = new StudyRunRecord();
        int defaultThreads = get_num_threads();
        if (options.Threads is int count) set_num_threads(count);
        try
        {
            run(record);
        }
        finally
        {
            set_num_threads(defaultThreads);
        }
    }

    /// <summary>Records the load average now (the header keeps the start, the end of training and the end).</summary>
    public void ReadLoad() => _load.Add(LoadAverage());

    /// <summary>
    /// The corpus in sequences of <paramref name="context"/> bytes with the validation share held out, and the output
    /// folder, created. Every study model has a byte vocabulary, so the plain byte tokenizer fits them all.
    /// </summary>
    /// <exception cref="StudyException">The corpus is missing or too short to hold out validation text.</exception>
    public static (ByteTokenizer Tokenizer, CorpusSplit Data, string Output) ReadCorpus(StudyRunOptions options, IStudyHost host, int context)
    {
        string corpus = options.CorpusPath;
        if (!File.Exists(corpus)) throw new StudyException($"corpus file '{corpus}' does not exist.");
        var tokenizer = new ByteTokenizer(withEndOfText: false);
        var data = host.Run($"Reading {corpus}", _ => SequencePacker.Load(corpus, tokenizer, context, options.ValidationFraction));
        if (data.Validation.Count == 0) throw new StudyException($"corpus file '{corpus}' is too short to hold out validation text; use a longer one.");
        string output = Path.GetFullPath(options.OutputFolder);
        Directory.CreateDirectory(output);
        return (tokenizer, data, output);
    }

    /// <summary>The report's header: the run's settings, its data and <paramref name="shape"/>'s width and depth, the machine, and the record so far.</summary>
    public StudyRunHeader Header(StudyRunOptions options, ByteTokenizer tokenizer, ModelConfig shape, CorpusSplit data, int trainingThreads, int decodingThreads) => new()
    {
        Command = options.Command,
        Seed = options.Seed,
        Corpus = options.CorpusName,
        Tokenizer = tokenizer.Name,
        Context = shape.ContextLength,
        Width = shape.Width,
        Layers = shape.Layers,
        TrainSequences = data.Train.Count,
        ValidationSequences = data.Validation.Count,
        TrainingThreads = trainingThreads,
        DecodingThreads = decodingThreads,
        Machine = RunInfo.Machine,
        Cores = Environment.ProcessorCount,
        LoadAverage = _load.ToArray(),
        Commit = RunInfo.Commit,
        StartedUtc = _started,
        WallTimeSeconds = _clock.Elapsed.TotalSeconds,
    };

    /// <summary>The 1-minute load average, or NaN where /proc/loadavg cannot be read.</summary>
    static double LoadAverage()
    {
        try
        {
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }
}
