using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// RMS norm (Hugging Face LLaMA <c>LlamaRMSNorm</c>): weight * x / sqrt(mean(x^2) + eps) over the last dimension.
/// Half-precision inputs are normalised in float32 and cast back before the scale, as LLaMA does.
/// </summary>
public sealed class RmsNorm : Norm
{
    static readonly long[] LastDimension = [-1];

#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter weight;
#pragma warning restore IDE1006

    /// <summary>Creates the norm with a unit scale.</summary>
    public RmsNorm(int width, double eps = 1e-5) : base(nameof(RmsNorm), width, eps)
    {
        weight = new Parameter(ones(width));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override NormKind Kind => NormKind.RmsNorm;

    /// <summary>The learnable scale [width].</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        CheckInput(x);
        using var scope = NewDisposeScope();
        var dtype = x.dtype;
        var wide = dtype is ScalarType.Float16 or ScalarType.BFloat16 ? x.to_type(ScalarType.Float32) : x;
        var normed = wide.mul(wide.square().mean(LastDimension, keepdim: true).add_(Eps).rsqrt_());
        return normed.to_type(dtype).mul(weight).MoveToOuterDisposeScope();
    }
}
