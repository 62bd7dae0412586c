using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Training;

/// <summary>The loss a trainer minimises: next-token cross-entropy, or distillation from a target (see <see cref="DistillationOptions"/>).</summary>
internal sealed class TrainingObjective(DistillationOptions? distillation)
{
    public DistillationOptions? Distillation { get; } = distillation;

    /// <summary>A short description that checkpoints record, so that a resume cannot switch objectives.</summary>
    public string Description => Distillation is { } d
        ? FormattableString.Invariant($"distillation(next_token_weight={d.NextTokenWeight:R}, temperature={d.Temperature:R})")
        : "next-token";

    /// <summary>The training loss of one batch (a scalar with autograd into <paramref name="model"/>).</summary>
    public Tensor Loss(CausalLanguageModel model, Tensor inputs, Tensor targets)
    {
        var logits = model.Forward(inputs);
        if (Distillation is not { } d) return LanguageModelLosses.NextToken(logits, targets);
        var targetLogits = TargetLogits(inputs);
        double t = d.Temperature;
        var kl = LanguageModelLosses.Distillation(logits, targetLogits, t);
        if (t != 1) kl = kl * (t * t);
        if (d.NextTokenWeight == 0) return kl;
        return kl * (1 - d.NextTokenWeight) + LanguageModelLosses.NextToken(logits, targets) * d.NextTokenWeight;
    }

    /// <summary>The target's logits without gradients (the target is put in eval mode).</summary>
    public Tensor TargetLogits(Tensor inputs)
    {
        var target = Distillation?.Target ?? throw new InvalidOperationException("There is no distillation target.");
        using var noGrad = no_grad();
        target.eval();
        return target.Forward(inputs);
    }
}
