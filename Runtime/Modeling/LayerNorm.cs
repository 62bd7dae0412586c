using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Layer norm with a learnable scale and bias (GPT-2 <c>ln_1</c>, <c>ln_2</c>, <c>ln_f</c>).</summary>
public sealed class LayerNorm : Norm
{
    readonly long[] _normalizedShape;

#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter weight;
    readonly Parameter bias;
#pragma warning restore IDE1006

    /// <summary>Creates the norm with a unit scale and a zero bias.</summary>
    public LayerNorm(int width, double eps = 1e-5) : base(nameof(LayerNorm), width, eps)
    {
        _normalizedShape = [width];
        weight = new Parameter(ones(width));
        bias = new Parameter(zeros(width));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override NormKind Kind => NormKind.LayerNorm;

    /// <summary>The learnable scale [width].</summary>
    public Parameter Weight => weight;

    /// <summary>The learnable bias [width].</summary>
    public Parameter Bias => bias;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        CheckInput(x);
        return nn.functional.layer_norm(x, _normalizedShape, weight, bias, Eps);
    }
}
