using LinearDsl.Runtime.Fused;
using TorchSharp;
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

    /// <summary>
    /// Every head's logits for the given rows of final hidden states [batch, slots, width] (flat indices b * slots + s),
    /// as float64 [heads, rows, vocab], computed by the managed kernels straight from the parameters' memory (a
    /// speculative round reads the heads once; a dozen tensor operations would cost more than their arithmetic).
    /// Null when they do not apply (not a float32/float64 CPU model, int8 weights): use <see cref="MedusaLogits"/>.
    /// The heads only propose, so their summation order never touches exactness.
    /// </summary>
    internal double[]? MedusaLogitsRows(Tensor hidden, long[] rows)
    {
        var heads = RequireMedusa();
        if (_int8 is not null || hidden.device_type != DeviceType.CPU || !hidden.is_contiguous() || is_grad_enabled()) return null;
        return hidden.dtype switch
        {
            ScalarType.Float32 => MedusaLogitsRows<float>(heads, hidden, rows),
            ScalarType.Float64 => MedusaLogitsRows<double>(heads, hidden, rows),
            _ => null,
        };
    }

    double[]? MedusaLogitsRows<T>(MedusaHeads heads, Tensor hidden, long[] rows) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        var parameters = heads.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        if (parameters.Values.Any(p => p.dtype != hidden.dtype || p.device_type != DeviceType.CPU)) return null;
        // The embedding hands out a new wrapper per access (freed here); lm_head's weight is the registered parameter.
        using var embedding = lm_head is null ? model.embed_tokens.weight! : null;
        var headWeight = lm_head?.weight ?? embedding!;
        if (headWeight.dtype != hidden.dtype || !headWeight.is_contiguous()) return null;
        var source = TensorMemory.Span<T>(hidden);
        var output = TensorMemory.Span<T>(headWeight);
        int width = Width, vocab = VocabSize, layers = heads.Spec.Layers;
        var result = new double[heads.Count * rows.Length * vocab];
        var h = new T[width];
        var t = new T[width];
        var logits = new T[vocab];
        for (int head = 0; head < heads.Count; head++)
        {
            for (int r = 0; r < rows.Length; r++)
            {
                source.Slice(checked((int)rows[r] * width), width).CopyTo(h);
                // Residual blocks h + SiLU(W h + b), then the model's output head.
                for (int block = 0; block < layers; block++)
                {
                    string key = $"{head}.{block}.";
                    FusedMath.Linear<T>(1, h, TensorMemory.Span<T>(parameters[key + "weight"]), TensorMemory.Span<T>(parameters[key + "bias"]), t, accumulate: false);
                    for (int i = 0; i < width; i++) h[i] += t[i] / (T.One + T.Exp(-t[i]));
                }
                FusedMath.Linear<T>(1, h, output, default, logits, accumulate: false);
                int at = (head * rows.Length + r) * vocab;
                for (int v = 0; v < vocab; v++) result[at + v] = double.CreateChecked(logits[v]);
            }
        }
        return result;
    }

    MedusaHeads RequireMedusa() => medusa ?? throw new InvalidOperationException(
        "This model has no Medusa heads; declare them with [MedusaHeads] or train them with `lineardsl train-heads`, and load that checkpoint.");

    void CheckHidden(Tensor hidden)
    {
        if (hidden.dim() is not (2 or 3) || hidden.shape[^1] != Width)
            throw new ArgumentException($"Medusa heads read hidden states [batch, width] or [batch, time, width] with width {Width}, got [{string.Join(", ", hidden.shape)}].", nameof(hidden));
    }
}
