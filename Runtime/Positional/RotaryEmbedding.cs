using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Positional;

/// <summary>
/// Rotary position embedding (RoPE) by absolute position, in the Hugging Face LLaMA layout ("rotate half":
/// the first half of the rotated dimensions pairs with the second half). Angles are computed in float64 from the
/// absolute positions, so every form (parallel, step, verify) rotates a token identically.
/// </summary>
public sealed class RotaryEmbedding
{
    readonly double[] _inverseFrequencies;

    /// <summary>Creates a rotary embedding over the first <paramref name="rotaryDim"/> dimensions of each head.</summary>
    /// <param name="headDim">Width of one head.</param>
    /// <param name="theta">Base of the frequencies (LLaMA: 10000).</param>
    /// <param name="rotaryDim">Rotated dimensions (even, at most headDim); defaults to the whole head.</param>
    public RotaryEmbedding(int headDim, double theta = 10000, int? rotaryDim = null)
    {
        int dim = rotaryDim ?? headDim;
        if (dim <= 0 || dim % 2 != 0 || dim > headDim)
            throw new ArgumentException($"Rotary dimension {dim} must be even, positive and at most the head size {headDim}.", nameof(rotaryDim));
        if (!(theta > 1)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "Rotary theta must be greater than 1.");
        HeadDim = headDim;
        RotaryDim = dim;
        Theta = theta;
        _inverseFrequencies = Enumerable.Range(0, dim / 2).Select(i => Math.Pow(theta, -2.0 * i / dim)).ToArray();
    }

    /// <summary>Width of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Rotated dimensions.</summary>
    public int RotaryDim { get; }

    /// <summary>Frequency base.</summary>
    public double Theta { get; }

    /// <summary>Cosines and sines for absolute positions [batch or 1, time], shaped [batch or 1, 1, time, RotaryDim / 2].</summary>
    public (Tensor Cos, Tensor Sin) Angles(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var freqs = tensor(_inverseFrequencies, dtype: ScalarType.Float64, device: positions.device);
        var angles = positions.to_type(ScalarType.Float64).unsqueeze(-1).mul(freqs).unsqueeze(1);
        return (angles.cos().to_type(dtype).MoveToOuterDisposeScope(), angles.sin().to_type(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates x [batch, heads, time, HeadDim] with angles from <see cref="Angles"/>.</summary>
    public Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = RotaryDim / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = new[] { x1 * cos - x2 * sin, x2 * cos + x1 * sin };
        var result = RotaryDim == HeadDim
            ? cat(rotated, -1)
            : cat(new[] { rotated[0], rotated[1], x.narrow(-1, RotaryDim, HeadDim - RotaryDim) }, -1);
        return result.MoveToOuterDisposeScope();
    }
}
