using TorchSharp;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>Validation figures: mean next-token NLL over every target position (and the distillation KL when distilling).</summary>
public static class ValidationEvaluator
{
    /// <summary>
    /// Mean next-token NLL (and so perplexity) of <paramref name="model"/> over the first <paramref name="limit"/>
    /// sequences (all when null), in batches; the same measure the trainer reports. <paramref name="progress"/> hears
    /// the sequences done; cancellation is checked between batches.
    /// </summary>
    public static EvaluationResult Perplexity(CausalLanguageModel model, PackedSequences sequences, int? limit, int batchSize,
        Action<int>? progress = null, CancellationToken cancellationToken = default)
        => Evaluate(model, sequences, limit, batchSize, new TrainingObjective(null), step: 0, progress, cancellationToken);

    internal static EvaluationResult Evaluate(CausalLanguageModel model, PackedSequences sequences, int? limit, int batchSize,
        TrainingObjective objective, int step, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (sequences.Count == 0)
            throw new InvalidOperationException("There is no validation set to evaluate on: pack the corpus with a positive validation fraction.");
        int count = Math.Min(limit ?? sequences.Count, sequences.Count);
        bool wasTraining = model.training;
        var device = model.ParameterDevice;
        double nll = 0, kl = 0;
        long tokens = 0;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var indices = new int[batchSize];
            for (int start = 0; start < count; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int rows = Math.Min(batchSize, count - start);
                for (int i = 0; i < rows; i++) indices[i] = start + i;
                var batch = sequences.Batch(indices.AsSpan(0, rows), device);
                var inputs = batch.narrow(1, 0, sequences.ContextLength);
                var targets = batch.narrow(1, 1, sequences.ContextLength);
                var logits = model.Forward(inputs);
                nll += LanguageModelLosses.NextTokenSum(logits, targets).ToDouble();
                if (objective.Distillation is not null)
                    kl += LanguageModelLosses.DistillationSum(logits, objective.TargetLogits(inputs)).ToDouble();
                tokens += (long)rows * sequences.ContextLength;
                progress?.Invoke(start + rows);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new EvaluationResult(step, nll / tokens, tokens, objective.Distillation is null ? null : kl / tokens);
    }
}
