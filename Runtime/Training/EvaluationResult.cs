using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Training;

/// <summary>Validation figures of a model at one step.</summary>
/// <param name="Step">Steps completed when the model was evaluated.</param>
/// <param name="MeanNll">Mean negative log-likelihood (nats) of the next token over every evaluated target position.</param>
/// <param name="Tokens">Target positions evaluated.</param>
/// <param name="DistillationKl">When distilling: mean KL(target || model) in nats per position at temperature 1; else null.</param>
public sealed record EvaluationResult(int Step, double MeanNll, long Tokens, double? DistillationKl = null)
{
    /// <summary>Perplexity: exp(<see cref="MeanNll"/>).</summary>
    [JsonIgnore]
    public double Perplexity => Math.Exp(MeanNll);
}
