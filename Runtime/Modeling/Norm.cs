using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Which normalisation a model uses.</summary>
public enum NormKind
{
    /// <summary>Root-mean-square norm with a learnable scale (LLaMA).</summary>
    [JsonStringEnumMemberName("rms_norm")]
    RmsNorm,

    /// <summary>Layer norm with a learnable scale and bias (GPT-2).</summary>
    [JsonStringEnumMemberName("layer_norm")]
    LayerNorm,
}

/// <summary>
/// A normalisation over the last dimension of [batch, time, width] activations. It acts on each token alone,
/// so it is the same function in every form (parallel, step, verify).
/// </summary>
public abstract class Norm : nn.Module<Tensor, Tensor>
{
    /// <summary>Checks the settings shared by every norm.</summary>
    protected Norm(string name, int width, double eps) : base(name)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The normalised width must be positive.");
        if (!(eps > 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "The norm epsilon must be positive and finite.");
        Width = width;
        Eps = eps;
    }

    /// <summary>Size of the normalised (last) dimension.</summary>
    public int Width { get; }

    /// <summary>Added to the variance (or mean square) before the square root.</summary>
    public double Eps { get; }

    /// <summary>The kind of this norm.</summary>
    public abstract NormKind Kind { get; }

    /// <summary>Creates a norm of the given kind with a unit scale (and zero bias).</summary>
    public static Norm Create(NormKind kind, int width, double eps) => kind switch
    {
        NormKind.RmsNorm => new RmsNorm(width, eps),
        NormKind.LayerNorm => new LayerNorm(width, eps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown norm kind; use RmsNorm or LayerNorm."),
    };

    /// <summary>Throws a clear error when the last dimension is not <see cref="Width"/>.</summary>
    protected void CheckInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        long[] shape = x.shape;
        if (shape.Length == 0 || shape[^1] != Width)
            throw new ArgumentException($"{GetType().Name} normalises a last dimension of {Width}, got shape [{string.Join(", ", shape)}].", nameof(x));
    }
}
