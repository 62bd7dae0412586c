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
public static class FusedMath
{
    /// <summary>
    /// y = x W^T (+ bias) for <paramref name="rows"/> tokens, or y += x W^T with <paramref name="accumulate"/>.
    /// W is [outputs, inputs] row-major, as nn.Linear stores it. Four weight rows are read per pass over x, and every
    /// token is served while they sit in L1, so a block of candidates costs little more memory traffic than one token.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Linear<T>(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inputs = x.Length / rows, outputs = y.Length / rows;
        if (weight.Length != inputs * outputs)
            throw new ArgumentException($"A [{outputs}, {inputs}] projection needs {inputs * outputs} weights, got {weight.Length}.", nameof(weight));
        if (typeof(T) == typeof(float) && FusedLinearF32.Applies(inputs))
        {
            FusedLinearF32.Linear(rows, Cast(x), Cast(weight), Cast(bias), MemoryMarshal.Cast<T, float>(y), accumulate);
            return;
        }
        int r = 0;
        for (; r + 4 <= outputs; r += 4)
        {
            var w0 = weight.Slice(r * inputs, inputs);
            var w1 = weight.Slice((r + 1) * inputs, inputs);
            var w2 = weight.Slice((r + 2) * inputs, inputs);
            var w3 = weight.Slice((r + 3) * inputs, inputs);
            for (int t = 0; t < rows; t++)
            {
                var (s0, s1, s2, s3) = Dot4(x.Slice(t * inputs, inputs), w0, w1, w2, w3);
                var yt = y.Slice(t * outputs + r, 4);
                if (!bias.IsEmpty) { s0 += bias[r]; s1 += bias[r + 1]; s2 += bias[r + 2]; s3 += bias[r + 3]; }
                if (accumulate) { yt[0] += s0; yt[1] += s1; yt[2] += s2; yt[3] += s3; }
                else { yt[0] = s0; yt[1] = s1; yt[2] = s2; yt[3] = s3; }
            }
        }
        for (; r < outputs; r++)
        {
            var wr = weight.Slice(r * inputs, inputs);
            for (int t = 0; t < rows; t++)
            {
                T s = Dot(x.Slice(t * inputs, inputs), wr);
                if (!bias.IsEmpty) s += bias[r];
                if (accumulate) y[t * outputs + r] += s;
                else y[t * outputs + r] = s;
            }
        }
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
        if (typeof(T) == typeof(float) && FusedLinearF32.Supported)
        {
            FusedLinearF32.AddWeightedRows(Cast(weights), Cast(rows), MemoryMarshal.Cast<T, float>(y));
            return;
        }
        var vy = MemoryMarshal.Cast<T, Vector<T>>(y);
        int tail = vy.Length * Vector<T>.Count;
        for (int i = 0; i < n; i++)
        {
            T w = weights[i];
            var row = rows.Slice(i * d, d);
            var vr = MemoryMarshal.Cast<T, Vector<T>>(row);
            var scale = new Vector<T>(w);
            for (int c = 0; c < vy.Length; c++) vy[c] += scale * vr[c];
            for (int c = tail; c < d; c++) y[c] += w * row[c];
        }
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

    static ReadOnlySpan<float> Cast<T>(ReadOnlySpan<T> span) where T : unmanaged => MemoryMarshal.Cast<T, float>(span);

    /// <summary>Sum of a[i] b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var va = MemoryMarshal.Cast<T, Vector<T>>(a);
        var vb = MemoryMarshal.Cast<T, Vector<T>>(b.Slice(0, a.Length));
        var acc0 = Vector<T>.Zero;
        var acc1 = Vector<T>.Zero;
        int i = 0;
        for (; i + 1 < va.Length; i += 2)
        {
            acc0 += va[i] * vb[i];
            acc1 += va[i + 1] * vb[i + 1];
        }
        if (i < va.Length) acc0 += va[i] * vb[i];
        T sum = Vector.Sum(acc0 + acc1);
        for (int j = va.Length * Vector<T>.Count; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }

    /// <summary>x against four weight rows in one pass (x is loaded once per four products).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (T, T, T, T) Dot4<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w0, ReadOnlySpan<T> w1, ReadOnlySpan<T> w2, ReadOnlySpan<T> w3)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var vx = MemoryMarshal.Cast<T, Vector<T>>(x);
        var v0 = MemoryMarshal.Cast<T, Vector<T>>(w0);
        var v1 = MemoryMarshal.Cast<T, Vector<T>>(w1);
        var v2 = MemoryMarshal.Cast<T, Vector<T>>(w2);
        var v3 = MemoryMarshal.Cast<T, Vector<T>>(w3);
        Vector<T> a0 = Vector<T>.Zero, a1 = Vector<T>.Zero, a2 = Vector<T>.Zero, a3 = Vector<T>.Zero;
        for (int i = 0; i < vx.Length; i++)
        {
            var xi = vx[i];
            a0 += v0[i] * xi;
            a1 += v1[i] * xi;
            a2 += v2[i] * xi;
            a3 += v3[i] * xi;
        }
        T s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
        for (int j = vx.Length * Vector<T>.Count; j < x.Length; j++)
        {
            s0 += w0[j] * x[j];
            s1 += w1[j] * x[j];
            s2 += w2[j] * x[j];
            s3 += w3[j] * x[j];
        }
        return (s0, s1, s2, s3);
    }
}
