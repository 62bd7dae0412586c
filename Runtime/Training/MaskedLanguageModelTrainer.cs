using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// Trains an <see cref="EncoderModel"/> on the masked-language-model objective (BERT-style masking, see
/// <see cref="MaskingOptions"/>) over the first <see cref="CorpusSplit.ContextLength"/> tokens of each training
/// sequence, with the optimizer, schedule and clipping of <see cref="TrainingOptions"/>. Deterministic given the seed:
/// the batch order is <see cref="Trainer"/>'s and each row's mask depends only on the seed and the row's place in the
/// run, so every model trained with the same data and options sees the same batches and masks.
/// </summary>
public sealed class MaskedLanguageModelTrainer : IDisposable
{
    readonly CorpusSplit _data;
    readonly TrainingOptions _options;
    readonly MaskingOptions _masking;
    readonly BatchSampler _sampler;
    readonly ObjectiveTrainingLoop _loop;
    readonly int _maskToken;

    /// <summary>A trainer of <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The model and data or the options do not fit together.</exception>
    public MaskedLanguageModelTrainer(EncoderModel model, CorpusSplit data, TrainingOptions options, MaskingOptions? masking = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        _masking = masking ?? new MaskingOptions();
        if (_masking.Problems() is { Count: > 0 } problems) throw new ArgumentException(problems[0], nameof(masking));
        var config = model.Config;
        if (config.MaskTokenId is not int mask) throw new ArgumentException("The encoder has no mask_token_id; the masked-LM objective needs one.", nameof(model));
        if (data.VocabSize > config.VocabSize) throw new ArgumentException($"The data uses {data.VocabSize} token ids but the encoder has {config.VocabSize}.", nameof(data));
        if (data.ContextLength > config.ContextLength)
            throw new ArgumentException($"The data's sequences of {data.ContextLength} tokens exceed the encoder's context of {config.ContextLength}; pack the corpus with a context of at most {config.ContextLength}.", nameof(data));
        Model = model;
        _data = data;
        _options = options;
        _maskToken = mask;
        _sampler = new BatchSampler(data.Train.Count, options.BatchSize, options.Seed);
        _loop = new ObjectiveTrainingLoop(model, options);
    }

    /// <summary>The model being trained.</summary>
    public EncoderModel Model { get; }

    /// <summary>Training steps completed.</summary>
    public int CompletedSteps => _loop.CompletedSteps;

    /// <summary>Trains to the options' step count; evaluations use <see cref="TrainingOptions.EvaluationSequences"/> validation sequences.</summary>
    /// <exception cref="InvalidOperationException">The loss stopped being finite.</exception>
    public TrainingResult Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Func<int, EvaluationResult>? evaluate = _data.Validation.Count == 0 ? null
            : _ => Evaluate(_options.EvaluationSequences, cancellationToken).ToEvaluationResult();
        return _loop.Train(Loss, (long)_options.BatchSize * _data.ContextLength, evaluate, progress, cancellationToken);
    }

    /// <summary>
    /// Loss and accuracy over the masked positions of the first <paramref name="sequences"/> validation sequences (all
    /// when null), each masked by its index alone, so every model is measured on the same masks.
    /// </summary>
    public MaskedLanguageModelEvaluation Evaluate(int? sequences = null, CancellationToken cancellationToken = default)
    {
        var validation = _data.Validation;
        if (validation.Count == 0) throw new InvalidOperationException("There is no validation set to evaluate on: pack the corpus with a positive validation fraction.");
        int count = Math.Min(sequences ?? validation.Count, validation.Count), batch = _options.EvaluationBatchSize ?? _options.BatchSize;
        bool wasTraining = Model.training;
        double nll = 0;
        long masked = 0, correct = 0;
        Model.eval();
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < count; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var rows = Enumerable.Range(start, Math.Min(batch, count - start)).ToArray();
                var (inputs, labels) = Batch(validation, rows, DataSeeds.Validation, rows.Select(r => (long)r).ToArray());
                var logits = Model.MaskedLogits(inputs).reshape(-1, Model.Config.VocabSize);
                var flat = labels.reshape(-1);
                nll += nn.functional.cross_entropy(logits, flat, ignore_index: TokenMasking.Ignore, reduction: nn.Reduction.Sum).ToDouble();
                var chosen = flat.ne(TokenMasking.Ignore);
                masked += chosen.sum().ToInt64();
                correct += logits.argmax(-1).eq(flat).logical_and(chosen).sum().ToInt64();
            }
        }
        finally
        {
            Model.train(wasTraining);
        }
        return new MaskedLanguageModelEvaluation(CompletedSteps, nll / masked, masked, correct);
    }

    /// <summary>Row <paramref name="index"/> of the validation set as the evaluation masks it.</summary>
    public MaskedTokens ValidationRow(int index) => MaskRow(_data.Validation, index, DataSeeds.Validation, index);

    Tensor Loss(int step)
    {
        var rows = _sampler.Next();
        var keys = Enumerable.Range(0, rows.Length).Select(i => (long)step * _options.BatchSize + i).ToArray();
        var (inputs, labels) = Batch(_data.Train, rows, DataSeeds.Training, keys);
        var logits = Model.MaskedLogits(inputs);
        return nn.functional.cross_entropy(logits.reshape(-1, Model.Config.VocabSize), labels.reshape(-1), ignore_index: TokenMasking.Ignore);
    }

    MaskedTokens MaskRow(PackedSequences sequences, int row, ulong stream, long key)
        => TokenMasking.Mask(sequences[row][.._data.ContextLength], _maskToken, _data.VocabSize, DataSeeds.Of(_options.Seed, stream, key), _masking);

    (Tensor Inputs, Tensor Labels) Batch(PackedSequences sequences, int[] rows, ulong stream, long[] keys)
    {
        int time = _data.ContextLength;
        var inputs = new long[rows.Length * time];
        var labels = new long[rows.Length * time];
        for (int i = 0; i < rows.Length; i++)
        {
            var row = MaskRow(sequences, rows[i], stream, keys[i]);
            row.Inputs.CopyTo(inputs, i * time);
            row.Labels.CopyTo(labels, i * time);
        }
        return (tensor(inputs, [rows.Length, time]), tensor(labels, [rows.Length, time]));
    }

    /// <summary>Releases the optimizer (the model is the caller's).</summary>
    public void Dispose() => _loop.Dispose();
}
