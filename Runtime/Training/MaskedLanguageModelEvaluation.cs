namespace LinearDsl.Runtime.Training;

/// <summary>A masked-language model on held-out text: the loss and accuracy over the masked positions only.</summary>
/// <param name="Step">Training steps completed when measured.</param>
/// <param name="MeanNll">Mean negative log-likelihood of the original token at each masked position (nats).</param>
/// <param name="MaskedTokens">Masked positions measured.</param>
/// <param name="Correct">Masked positions whose most likely token is the original.</param>
public sealed record MaskedLanguageModelEvaluation(int Step, double MeanNll, long MaskedTokens, long Correct)
{
    /// <summary>exp(<see cref="MeanNll"/>): perplexity over the masked positions.</summary>
    public double Perplexity => Math.Exp(MeanNll);

    /// <summary>Share of the masked positions predicted exactly (argmax).</summary>
    public double Accuracy => MaskedTokens == 0 ? 0 : (double)Correct / MaskedTokens;

    /// <summary>As a plain evaluation result (its tokens are the masked positions).</summary>
    public EvaluationResult ToEvaluationResult() => new(Step, MeanNll, MaskedTokens);
}
