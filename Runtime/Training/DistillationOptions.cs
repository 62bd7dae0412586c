using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Training;

/// <summary>
/// Trains the model (the draft) towards a target model's next-token distributions: the loss at every position is
/// KL(target || draft) over the whole vocabulary, averaged over positions, optionally mixed with the next-token
/// cross-entropy: loss = (1 - <see cref="NextTokenWeight"/>) x T² x KL + <see cref="NextTokenWeight"/> x CE, where
/// both distributions are softened by the temperature T. The target runs without gradients in eval mode; the
/// caller keeps owning it.
/// </summary>
public sealed record DistillationOptions
{
    /// <summary>The model whose distributions the draft learns. Needs the draft's vocabulary size.</summary>
    public required CausalLanguageModel Target { get; init; }

    /// <summary>Weight of the next-token cross-entropy in [0, 1]. Default 0 (pure KL).</summary>
    public double NextTokenWeight { get; init; }

    /// <summary>Softmax temperature of both distributions in the KL term (positive). Default 1.</summary>
    public double Temperature { get; init; } = 1;

    /// <summary>Every problem with the options, empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Target is null) problems.Add("Distillation needs a target model.");
        if (!(NextTokenWeight >= 0 && NextTokenWeight <= 1)) problems.Add($"NextTokenWeight must be in [0, 1] (got {NextTokenWeight}).");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) problems.Add($"Temperature must be a positive number (got {Temperature}).");
        return problems;
    }
}
