using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The per-token arithmetic of a decoder layer on spans of CPU memory, for <see cref="FusedDecodeProgram"/>s:
/// projections, norms and activations over <c>rows</c> tokens of one width each, laid out row after row. They
/// compute the same functions as the runtime's modules (summation order aside), with no libtorch call.
/// </summary>
internal static class FusedMath
{
    /// <summary>
    /// y = x W^T (+ bias) for <paramref name="rows"/> tokens, or y += x W^T with <paramref name="accumulate"/>.
    /// W is [outputs, inputs] row-major, as nn.Linear stores it. Four weight rows are read per pass over x, and every
    /// token is served while they sit in L1, so a block of candidates costs little more memory traffic than one token
    /// (register-blocked at the width <see cref="FusedIsa"/> selected).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Linear<T>(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inputs = x.Length / rows, outputs = y.Length / rows;
        if (weight.Length != inputs * outputs)
            throw new ArgumentException($"A [{outputs}, {inputs}] projection needs {inputs * outputs} weights, got {weight.Length}.", nameof(weight));
        SimdKernels.Linear(rows, x, weight, bias, y, accumulate);
    }

    /// <summary>
    /// y += sum_i weights[i] rows[i] for rows [weights.Length, y.Length] row-major: a vector times a matrix, as the
    /// mixers use it to add up value rows by their attention weights (and a query against a state matrix).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddWeightedRows<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> rows, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = weights.Length, d = y.Length;
        if (rows.Length < n * d)
            throw new ArgumentException($"{n} rows of {d} need {n * d} values, got {rows.Length}.", nameof(rows));
        SimdKernels.AddWeightedRows(weights, rows, y);
    }

    /// <summary>y = x / sqrt(mean(x^2) + eps) * weight for each of <paramref name="rows"/> tokens (RMSNorm).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsNorm<T>(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, T eps, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = weight.Length;
        for (int t = 0; t < rows; t++)
        {
            var xt = x.Slice(t * width, width);
            var yt = y.Slice(t * width, width);
            T scale = T.One / T.Sqrt(Dot(xt, xt) / T.CreateChecked(width) + eps);
            for (int i = 0; i < width; i++) yt[i] = xt[i] * scale * weight[i];
        }
    }

    /// <summary>y = (x - mean) / sqrt(var + eps) * weight + bias for each of <paramref name="rows"/> tokens (LayerNorm, biased variance).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LayerNorm<T>(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, T eps, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = weight.Length;
        T count = T.CreateChecked(width);
        for (int t = 0; t < rows; t++)
        {
            var xt = x.Slice(t * width, width);
            var yt = y.Slice(t * width, width);
            T mean = T.Zero;
            for (int i = 0; i < width; i++) mean += xt[i];
            mean /= count;
            T variance = T.Zero;
            for (int i = 0; i < width; i++) variance += (xt[i] - mean) * (xt[i] - mean);
            T scale = T.One / T.Sqrt(variance / count + eps);
            for (int i = 0; i < width; i++) yt[i] = (xt[i] - mean) * scale * weight[i] + bias[i];
        }
    }

    /// <summary>gate = silu(gate) * up = gate * sigmoid(gate) * up, elementwise (SwiGLU), vectorised by TensorPrimitives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SwiGlu<T>(Span<T> gate, ReadOnlySpan<T> up) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> sigmoid = gate.Length <= 4096 ? stackalloc T[gate.Length] : new T[gate.Length];
        TensorPrimitives.Sigmoid<T>(gate, sigmoid);
        TensorPrimitives.Multiply<T>(gate, sigmoid, gate);
        TensorPrimitives.Multiply<T>(gate, up, gate);
    }

    /// <summary>x = gelu(x) with the tanh approximation (GPT-2's), elementwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GeluTanh<T>(Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), cubic = T.CreateChecked(0.044715), root = T.CreateChecked(Math.Sqrt(2 / Math.PI));
        for (int i = 0; i < x.Length; i++)
        {
            T z = x[i];
            x[i] = half * z * (T.One + T.Tanh(root * (z + cubic * z * z * z)));
        }
    }

    /// <summary>Sum of a[i] b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> => SimdKernels.Dot(a, b);
}
