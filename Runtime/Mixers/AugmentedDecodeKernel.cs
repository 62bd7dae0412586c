using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The decode step of <see cref="AugmentedLinearAttention"/> as one managed SIMD pass over CPU memory: rotary
/// embedding, L2 feature map, buffer write, local ReLU^2 over the open group, q^ S, the causal conv, the history
/// shift and the group fold, with no libtorch op in between (a decode step is otherwise a chain of ~35 tiny ops
/// whose dispatch costs more than their arithmetic). It computes the same function as the generic step, in a
/// different summation order; the float64 form-equivalence tests run it under no_grad. It applies only to
/// inference (grad disabled) on float32/float64 CPU tensors; elsewhere the generic ops run.
/// Its methods are compiled fully optimised at once (no tier-0 phase), so the first tokens are as fast as the rest.
/// </summary>
internal static class AugmentedDecodeKernel
{
    /// <summary>Whether the fused step can serve these inputs.</summary>
    public static bool Applies(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
    {
        var dtype = state.Dtype;
        return !is_grad_enabled()
            && dtype is ScalarType.Float32 or ScalarType.Float64
            && q.device_type == DeviceType.CPU
            && (mixer.Alpha is null || mixer.Alpha.dtype == dtype)
            && (mixer.ConvWeight is null || mixer.ConvWeight.dtype == dtype);
    }

    /// <summary>Runs one step; returns the output [batch, heads, 1, d]. The caller advances the positions.</summary>
    public static Tensor Step(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
        => state.Dtype == ScalarType.Float64 ? Step<double>(mixer, q, k, v, state) : Step<float>(mixer, q, k, v, state);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static Tensor Step<T>(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = mixer.Geometry;
        var o = mixer.Options;
        int heads = g.Heads, kvHeads = g.KvHeads, perKv = g.QueriesPerKv, d = g.HeadDim;
        int group = o.GroupSize, taps = o.ConvTaps;
        bool buffer = o.Local || o.Global, conv = o.Conv;
        long batch = state.Batch;

        var output = empty([batch, heads, 1, d], state.Dtype, state.Device);
        var outData = Data<T>(output);
        // Batched rows sliced out of a fused projection are strided; one copy each is still far cheaper than the ops.
        var qData = Data<T>(q.is_contiguous() ? q : q.contiguous());
        var kData = Data<T>(k.is_contiguous() ? k : k.contiguous());
        var vData = Data<T>(v.is_contiguous() ? v : v.contiguous());
        Span<T> keys = buffer ? Data<T>(state.Keys) : default;
        Span<T> values = buffer ? Data<T>(state.Values) : default;
        Span<T> kv = o.Global ? Data<T>(state.Kv) : default;
        Span<T> history = conv && taps > 1 ? Data<T>(state.ConvHistory) : default;
        ReadOnlySpan<T> kernel = conv ? Data<T>(mixer.ConvWeight!) : default;
        T alpha = o.Global ? mixer.Alpha!.item<T>() : T.Zero;
        T eps = T.CreateChecked(o.FeatureEps);

        var rotary = mixer.Rotary;
        int half = rotary is null ? 0 : rotary.RotaryDim / 2;
        Span<T> cos = stackalloc T[half];
        Span<T> sin = stackalloc T[half];
        Span<T> kHat = stackalloc T[d];
        Span<T> qHat = stackalloc T[d];
        Span<T> convOut = stackalloc T[d];

        for (int b = 0; b < batch; b++)
        {
            long position = state.Positions[b];
            int slot = (int)(position % group);
            if (rotary is not null) Angles(rotary, position, cos, sin);
            for (int h = 0; h < kvHeads; h++)
            {
                int kvRow = b * kvHeads + h;
                var vIn = vData.Slice(kvRow * d, d);
                var keyRows = buffer ? keys.Slice(kvRow * group * d, group * d) : default;
                var valueRows = buffer ? values.Slice(kvRow * group * d, group * d) : default;
                if (buffer)
                {
                    FeatureMap(kData.Slice(kvRow * d, d), kHat, cos, sin, eps);
                    kHat.CopyTo(keyRows.Slice(slot * d, d));
                    vIn.CopyTo(valueRows.Slice(slot * d, d));
                }
                if (conv)
                {
                    // History is newest first: row j holds v_{t-1-j}, so it meets kernel tap j + 1.
                    var w = kernel.Slice(h * taps, taps);
                    Scale(w[0], vIn, convOut);
                    if (taps > 1)
                    {
                        var rows = history.Slice(kvRow * (taps - 1) * d, (taps - 1) * d);
                        for (int j = 1; j < taps; j++) Axpy(w[j], rows.Slice((j - 1) * d, d), convOut);
                        rows.Slice(0, (taps - 2) * d).CopyTo(rows.Slice(d));             // memmove: shift by one
                        vIn.CopyTo(rows.Slice(0, d));
                    }
                }
                for (int r = 0; r < perKv; r++)
                {
                    int head = h * perKv + r, row = b * heads + head;
                    var result = outData.Slice(row * d, d);
                    result.Clear();
                    if (buffer) FeatureMap(qData.Slice(row * d, d), qHat, cos, sin, eps);
                    if (o.Local)
                    {
                        for (int s = 0; s <= slot; s++)
                        {
                            T score = Dot(qHat, keyRows.Slice(s * d, d));
                            if (score > T.Zero) Axpy(score * score, valueRows.Slice(s * d, d), result);
                        }
                    }
                    if (o.Global)
                    {
                        var sums = kv.Slice(kvRow * d * d, d * d);
                        for (int i = 0; i < d; i++) Axpy(alpha * qHat[i], sums.Slice(i * d, d), result);
                    }
                    if (conv) Add(convOut, result);
                }
                if (buffer && slot == group - 1)
                {
                    if (o.Global)
                    {
                        var sums = kv.Slice(kvRow * d * d, d * d);
                        for (int s = 0; s < group; s++)
                        {
                            var key = keyRows.Slice(s * d, d);
                            var value = valueRows.Slice(s * d, d);
                            for (int i = 0; i < d; i++) Axpy(key[i], value, sums.Slice(i * d, d));
                        }
                    }
                    keyRows.Clear();
                    valueRows.Clear();
                }
            }
        }
        return output;
    }

    static Span<T> Data<T>(Tensor t) where T : unmanaged => MemoryMarshal.Cast<byte, T>(t.bytes);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Angles<T>(RotaryEmbedding rotary, long position, Span<T> cos, Span<T> sin) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var frequencies = rotary.InverseFrequencies;
        for (int i = 0; i < cos.Length; i++)
        {
            double angle = position * frequencies[i];
            cos[i] = T.CreateChecked(Math.Cos(angle));
            sin[i] = T.CreateChecked(Math.Sin(angle));
        }
    }

    /// <summary>Rotates (HF "rotate half" layout) and L2-normalises one head vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void FeatureMap<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int half = cos.Length;
        x.CopyTo(y);
        for (int i = 0; i < half; i++)
        {
            T x1 = x[i], x2 = x[i + half];
            y[i] = x1 * cos[i] - x2 * sin[i];
            y[i + half] = x2 * cos[i] + x1 * sin[i];
        }
        T norm = T.Sqrt(Dot(y, y));
        Scale(T.One / T.Max(norm, eps), y, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var acc = Vector<T>.Zero;
        int i = 0, width = Vector<T>.Count;
        for (; i <= a.Length - width; i += width)
            acc += new Vector<T>(a.Slice(i)) * new Vector<T>(b.Slice(i));
        T sum = Vector.Sum(acc);
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y += a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Axpy<T>(T a, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scale = new Vector<T>(a);
        int i = 0, width = Vector<T>.Count;
        for (; i <= x.Length - width; i += width)
            (new Vector<T>(y.Slice(i)) + scale * new Vector<T>(x.Slice(i))).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] += a * x[i];
    }

    /// <summary>y = a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Scale<T>(T a, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scale = new Vector<T>(a);
        int i = 0, width = Vector<T>.Count;
        for (; i <= x.Length - width; i += width)
            (scale * new Vector<T>(x.Slice(i))).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] = a * x[i];
    }

    /// <summary>y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Add<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, width = Vector<T>.Count;
        for (; i <= x.Length - width; i += width)
            (new Vector<T>(y.Slice(i)) + new Vector<T>(x.Slice(i))).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] += x[i];
    }
}
