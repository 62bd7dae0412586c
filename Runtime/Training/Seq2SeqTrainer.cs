using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// Trains a <see cref="Seq2SeqModel"/> to denoise: each row of <see cref="CorpusSplit.ContextLength"/> tokens is
/// span-corrupted (T5-style, see <see cref="SpanCorruptionOptions"/>), the encoder reads the source and the decoder
/// is taught the target after the decoder start token. The optimizer, schedule and clipping are those of
/// <see cref="TrainingOptions"/>; the batch order is <see cref="Trainer"/>'s and each row's spans depend only on the
/// seed and the row's place in the run, so every model trained with the same data and options sees the same examples.
/// </summary>
public sealed class Seq2SeqTrainer : IDisposable
{
    readonly CorpusSplit _data;
    readonly TrainingOptions _options;
    readonly SpanCorruptionOptions _corruption;
    readonly BatchSampler _sampler;
    readonly ObjectiveTrainingLoop _loop;

    /// <summary>A trainer of <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The model, data and options do not fit together.</exception>
    public Seq2SeqTrainer(Seq2SeqModel model, CorpusSplit data, TrainingOptions options, SpanCorruptionOptions corruption)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(corruption);
        if (corruption.Problems() is { Count: > 0 } problems) throw new ArgumentException(problems[0], nameof(corruption));
        var config = model.Config;
        if (corruption.FirstSentinel < data.VocabSize)
            throw new ArgumentException($"The first sentinel {corruption.FirstSentinel} is a token id of the text (0..{data.VocabSize - 1}); put the sentinels above the text's ids.", nameof(corruption));
        int sentinels = SpanCorruption.SentinelCount(data.ContextLength, corruption);
        if (corruption.FirstSentinel + sentinels > config.VocabSize)
            throw new ArgumentException($"Rows of {data.ContextLength} tokens need sentinels {corruption.FirstSentinel}..{corruption.FirstSentinel + sentinels - 1}, but the model's vocabulary ends at {config.VocabSize - 1}.", nameof(model));
        var (source, target) = SpanCorruption.Lengths(data.ContextLength, corruption);
        if (Math.Max(source, target) > config.ContextLength)
            throw new ArgumentException($"Sources of {source} and targets of {target} tokens exceed the model's context of {config.ContextLength}; pack the corpus with a shorter context.", nameof(data));
        Model = model;
        _data = data;
        _options = options;
        _corruption = corruption;
        SourceLength = source;
        TargetLength = target;
        _sampler = new BatchSampler(data.Train.Count, options.BatchSize, options.Seed);
        _loop = new ObjectiveTrainingLoop(model, options);
    }

    /// <summary>The model being trained.</summary>
    public Seq2SeqModel Model { get; }

    /// <summary>Tokens of every source.</summary>
    public int SourceLength { get; }

    /// <summary>Tokens of every target (the closing sentinel included, the start token not).</summary>
    public int TargetLength { get; }

    /// <summary>Training steps completed.</summary>
    public int CompletedSteps => _loop.CompletedSteps;

    /// <summary>Trains to the options' step count; evaluations use <see cref="TrainingOptions.EvaluationSequences"/> validation sequences.</summary>
    /// <exception cref="InvalidOperationException">The loss stopped being finite.</exception>
    public TrainingResult Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Func<int, EvaluationResult>? evaluate = _data.Validation.Count == 0 ? null : _ => Evaluate(_options.EvaluationSequences, cancellationToken);
        return _loop.Train(Loss, (long)_options.BatchSize * (SourceLength + TargetLength), evaluate, progress, cancellationToken);
    }

    /// <summary>Teacher-forced loss per target token over the first <paramref name="sequences"/> validation rows (all when null), each corrupted by its index alone.</summary>
    public EvaluationResult Evaluate(int? sequences = null, CancellationToken cancellationToken = default)
    {
        var validation = _data.Validation;
        if (validation.Count == 0) throw new InvalidOperationException("There is no validation set to evaluate on: pack the corpus with a positive validation fraction.");
        int count = Math.Min(sequences ?? validation.Count, validation.Count), batch = _options.EvaluationBatchSize ?? _options.BatchSize;
        bool wasTraining = Model.training;
        double nll = 0;
        long tokens = 0;
        Model.eval();
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < count; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var rows = Enumerable.Range(start, Math.Min(batch, count - start)).Select(ValidationExample).ToArray();
                var (source, input, labels) = Batch(rows);
                var logits = Model.Forward(source, input);
                nll += nn.functional.cross_entropy(logits.reshape(-1, Model.VocabSize), labels.reshape(-1), reduction: nn.Reduction.Sum).ToDouble();
                tokens += labels.numel();
            }
        }
        finally
        {
            Model.train(wasTraining);
        }
        return new EvaluationResult(CompletedSteps, nll / tokens, tokens);
    }

    /// <summary>Validation row <paramref name="index"/> as evaluation corrupts it.</summary>
    public CorruptedText ValidationExample(int index) => Corrupt(_data.Validation, index, DataSeeds.Validation, index);

    Tensor Loss(int step)
    {
        var rows = _sampler.Next();
        var examples = rows.Select((row, i) => Corrupt(_data.Train, row, DataSeeds.Training, (long)step * _options.BatchSize + i)).ToArray();
        var (source, input, labels) = Batch(examples);
        var logits = Model.Forward(source, input);
        return nn.functional.cross_entropy(logits.reshape(-1, Model.VocabSize), labels.reshape(-1));
    }

    CorruptedText Corrupt(PackedSequences sequences, int row, ulong stream, long key)
        => SpanCorruption.Corrupt(sequences[row][.._data.ContextLength], DataSeeds.Of(_options.Seed, stream, key), _corruption);

    /// <summary>Sources [B, S], decoder inputs [B, T] (the start token, then the target without its last token) and labels [B, T] (the target).</summary>
    (Tensor Source, Tensor Input, Tensor Labels) Batch(CorruptedText[] rows)
    {
        var source = new long[rows.Length * SourceLength];
        var input = new long[rows.Length * TargetLength];
        var labels = new long[rows.Length * TargetLength];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].Source.CopyTo(source, i * SourceLength);
            rows[i].Target.CopyTo(labels, i * TargetLength);
            input[i * TargetLength] = Model.Config.DecoderStartTokenId;
            Array.Copy(rows[i].Target, 0, input, i * TargetLength + 1, TargetLength - 1);
        }
        return (tensor(source, [rows.Length, SourceLength]), tensor(input, [rows.Length, TargetLength]), tensor(labels, [rows.Length, TargetLength]));
    }

    /// <summary>Releases the optimizer (the model is the caller's).</summary>
    public void Dispose() => _loop.Dispose();
}
