using TorchSharp;
using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>Validation figures: mean next-token NLL over every target position (and the distillation KL when distilling).</summary>
internal static class ValidationEvaluator
{
    public static EvaluationResult Evaluate(CausalLanguageModel model, PackedSequences sequences, int? limit, int batchSize,
        TrainingObjective objective, int step)
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
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new EvaluationResult(step, nll / tokens, tokens, objective.Distillation is null ? null : kl / tokens);
    }
}
