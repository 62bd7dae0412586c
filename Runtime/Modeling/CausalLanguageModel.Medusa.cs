using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

public sealed partial class CausalLanguageModel
{
    /// <summary>The model's Medusa heads, or null when it has none (config.json medusa_heads).</summary>
    public MedusaHeads? Medusa => medusa;

    /// <summary>
    /// Logits [heads, ..., vocab] of every Medusa head for final hidden states [..., width] (as
    /// <see cref="StepWithHidden"/>, <see cref="PrefillWithHidden"/> and <see cref="ModelVerifyResult.Hidden"/>
    /// return them): head i at position t scores the token at t + 2 + i. Autograd flows into the heads (training).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no Medusa heads.</exception>
    public Tensor MedusaLogits(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var heads = RequireMedusa();
        CheckHidden(hidden);
        using var scope = NewDisposeScope();
        return Head(heads.forward(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The <paramref name="k"/> most likely tokens of every head for each row, most likely first, with their
    /// probabilities (softmax of the head's logits). <paramref name="hidden"/> is [batch, width], or
    /// [batch, time, width] of which the last position is read.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no Medusa heads.</exception>
    public MedusaProposals ProposeTopK(Tensor hidden, int k)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        RequireMedusa();
        if (k < 1 || k > VocabSize) throw new ArgumentOutOfRangeException(nameof(k), k, $"Propose between 1 and {VocabSize} (the vocabulary) tokens per head.");
        CheckHidden(hidden);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var last = hidden.dim() == 3 ? hidden.select(1, hidden.shape[1] - 1) : hidden;
        var probabilities = MedusaLogits(last).to(ScalarType.Float64).softmax(-1);
        var (values, indices) = probabilities.topk(k, dim: -1, largest: true, sorted: true);
        int heads = (int)probabilities.shape[0], rows = (int)probabilities.shape[1];
        return new MedusaProposals(heads, rows, k, indices.cpu().data<long>().ToArray(), values.cpu().data<double>().ToArray());
    }

    MedusaHeads RequireMedusa() => medusa ?? throw new InvalidOperationException(
        "This model has no Medusa heads; declare them with [MedusaHeads] or train them with `lineardsl train-heads`, and load that checkpoint.");

    void CheckHidden(Tensor hidden)
    {
        if (hidden.dim() is not (2 or 3) || hidden.shape[^1] != Width)
            throw new ArgumentException($"Medusa heads read hidden states [batch, width] or [batch, time, width] with width {Width}, got [{string.Join(", ", hidden.shape)}].", nameof(hidden));
    }
}
