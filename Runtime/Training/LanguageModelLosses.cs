using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LinearDsl.Runtime.Training;

/// <summary>The losses of language-model training, on logits [batch, time, vocab] and int64 targets [batch, time].</summary>
public static class LanguageModelLosses
{
    /// <summary>Cross-entropy of the next token (negative log-likelihood, nats), averaged over every position.</summary>
    public static Tensor NextToken(Tensor logits, Tensor targets) => NextToken(logits, targets, nn.Reduction.Mean);

    /// <summary>Cross-entropy of the next token, summed over every position (for exact averages over many batches).</summary>
    public static Tensor NextTokenSum(Tensor logits, Tensor targets) => NextToken(logits, targets, nn.Reduction.Sum);

    /// <summary>
    /// KL(target || model) over the vocabulary at every position, averaged over positions, with both distributions
    /// softened by <paramref name="temperature"/>: sum_v p_t(v) (log p_t(v) - log p_m(v)). Gradients flow into
    /// <paramref name="modelLogits"/> only when <paramref name="targetLogits"/> carries none.
    /// </summary>
    public static Tensor Distillation(Tensor modelLogits, Tensor targetLogits, double temperature = 1)
    {
        using var scope = NewDisposeScope();
        return DistillationPerPosition(modelLogits, targetLogits, temperature).mean().MoveToOuterDisposeScope();
    }

    /// <summary>KL(target || model) at temperature 1, summed over positions.</summary>
    public static Tensor DistillationSum(Tensor modelLogits, Tensor targetLogits)
    {
        using var scope = NewDisposeScope();
        return DistillationPerPosition(modelLogits, targetLogits, 1).sum().MoveToOuterDisposeScope();
    }

    static Tensor NextToken(Tensor logits, Tensor targets, nn.Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = NewDisposeScope();
        long vocab = logits.shape[^1];
        return cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1), reduction: reduction).MoveToOuterDisposeScope();
    }

    static Tensor DistillationPerPosition(Tensor modelLogits, Tensor targetLogits, double temperature)
    {
        ArgumentNullException.ThrowIfNull(modelLogits);
        ArgumentNullException.ThrowIfNull(targetLogits);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive.");
        if (!modelLogits.shape.SequenceEqual(targetLogits.shape))
            throw new ArgumentException($"The target's logits [{string.Join(", ", targetLogits.shape)}] and the model's [{string.Join(", ", modelLogits.shape)}] differ in shape; distillation needs the same vocabulary.", nameof(targetLogits));
        var target = targetLogits.dtype == modelLogits.dtype ? targetLogits : targetLogits.to_type(modelLogits.dtype);
        if (temperature != 1)
        {
            modelLogits = modelLogits / temperature;
            target = target / temperature;
        }
        var logQ = log_softmax(modelLogits, -1);
        var logP = log_softmax(target, -1);
        return logP.exp().mul(logP - logQ).sum(-1);
    }
}
