using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// y = x W^T for float32 with 512-bit fused multiply-adds, register-blocked as four weight rows by five tokens
/// (twenty accumulators; the last one to four tokens take a block of their own size): each weight vector loaded
/// serves every token of its block, so verifying a block of candidates costs little more memory traffic than one
/// token while the weights stream from cache; the four dot products of a token are reduced
/// together (three horizontal adds instead of four full reductions). Used when the CPU has AVX-512 (an input width
/// that is not a multiple of 16 adds its last few products one by one); <see cref="FusedMath.Linear{T}"/> covers
/// everything else.
/// </summary>
internal static class FusedLinearF32
{
    const int Lanes = 16;

    public static bool Applies(int inputs) => Supported && inputs >= Lanes;

    /// <summary>Whether the CPU runs these kernels (AVX-512).</summary>
    public static bool Supported => Vector512.IsHardwareAccelerated && Avx.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Linear(int rows, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, bool accumulate)
    {
        int inputs = x.Length / rows, outputs = y.Length / rows;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ws = ref MemoryMarshal.GetReference(weight);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int r = 0;
        for (; r + 4 <= outputs; r += 4)
        {
            ref float w = ref Unsafe.Add(ref ws, r * inputs);
            var b = bias.IsEmpty ? Vector128<float>.Zero : Vector128.Create(bias[r], bias[r + 1], bias[r + 2], bias[r + 3]);
            int t = 0;
            // Five tokens at once is a step and four candidates (the default draft length).
            for (; t + 5 <= rows; t += 5)
            {
                var (s0, s1, s2, s3, s4) = Block4x5(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs);
                Store(ref Unsafe.Add(ref ys, t * outputs + r), s0 + b, accumulate);
                Store(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1 + b, accumulate);
                Store(ref Unsafe.Add(ref ys, (t + 2) * outputs + r), s2 + b, accumulate);
                Store(ref Unsafe.Add(ref ys, (t + 3) * outputs + r), s3 + b, accumulate);
                Store(ref Unsafe.Add(ref ys, (t + 4) * outputs + r), s4 + b, accumulate);
            }
            // What is left (at most four tokens) in one more pass over the four weight rows.
            switch (rows - t)
            {
                case 4:
                {
                    var (s0, s1, s2, s3) = Block4x4(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs);
                    Store(ref Unsafe.Add(ref ys, t * outputs + r), s0 + b, accumulate);
                    Store(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1 + b, accumulate);
                    Store(ref Unsafe.Add(ref ys, (t + 2) * outputs + r), s2 + b, accumulate);
                    Store(ref Unsafe.Add(ref ys, (t + 3) * outputs + r), s3 + b, accumulate);
                    break;
                }
                case 3:
                {
                    var (s0, s1, s2) = Block4x3(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs);
                    Store(ref Unsafe.Add(ref ys, t * outputs + r), s0 + b, accumulate);
                    Store(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1 + b, accumulate);
                    Store(ref Unsafe.Add(ref ys, (t + 2) * outputs + r), s2 + b, accumulate);
                    break;
                }
                case 2:
                {
                    var (s0, s1) = Block4x2(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs);
                    Store(ref Unsafe.Add(ref ys, t * outputs + r), s0 + b, accumulate);
                    Store(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1 + b, accumulate);
                    break;
                }
                case 1:
                    Store(ref Unsafe.Add(ref ys, t * outputs + r), Block4x1(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs) + b, accumulate);
                    break;
            }
        }
        for (; r < outputs; r++)
        {
            for (int t = 0; t < rows; t++)
            {
                float s = FusedMath.Dot(x.Slice(t * inputs, inputs), weight.Slice(r * inputs, inputs)) + (bias.IsEmpty ? 0 : bias[r]);
                if (accumulate) y[t * outputs + r] += s;
                else y[t * outputs + r] = s;
            }
        }
    }

    /// <summary>
    /// y += sum_i weights[i] rows[i] (rows [n, y.Length] row-major): 64 outputs stay in four registers while the
    /// rows stream past, one broadcast and four fused multiply-adds per row; then 16 at a time, then one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddWeightedRows(ReadOnlySpan<float> weights, ReadOnlySpan<float> rows, Span<float> y)
    {
        int n = weights.Length, d = y.Length;
        ref float ws = ref MemoryMarshal.GetReference(weights);
        ref float rs = ref MemoryMarshal.GetReference(rows);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int c = 0;
        for (; c + 4 * Lanes <= d; c += 4 * Lanes)
        {
            ref float yc = ref Unsafe.Add(ref ys, c);
            var a0 = Vector512.LoadUnsafe(ref yc);
            var a1 = Vector512.LoadUnsafe(ref yc, Lanes);
            var a2 = Vector512.LoadUnsafe(ref yc, 2 * Lanes);
            var a3 = Vector512.LoadUnsafe(ref yc, 3 * Lanes);
            for (int i = 0; i < n; i++)
            {
                var w = Vector512.Create(Unsafe.Add(ref ws, i));
                ref float row = ref Unsafe.Add(ref rs, i * d + c);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row), w, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, Lanes), w, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 2 * Lanes), w, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 3 * Lanes), w, a3);
            }
            a0.StoreUnsafe(ref yc);
            a1.StoreUnsafe(ref yc, Lanes);
            a2.StoreUnsafe(ref yc, 2 * Lanes);
            a3.StoreUnsafe(ref yc, 3 * Lanes);
        }
        for (; c + Lanes <= d; c += Lanes)
        {
            ref float yc = ref Unsafe.Add(ref ys, c);
            var a = Vector512.LoadUnsafe(ref yc);
            for (int i = 0; i < n; i++)
                a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref Unsafe.Add(ref rs, i * d + c)), Vector512.Create(Unsafe.Add(ref ws, i)), a);
            a.StoreUnsafe(ref yc);
        }
        for (; c < d; c++)
        {
            float sum = Unsafe.Add(ref ys, c);
            for (int i = 0; i < n; i++) sum += Unsafe.Add(ref ws, i) * Unsafe.Add(ref rs, i * d + c);
            Unsafe.Add(ref ys, c) = sum;
        }
    }

    static void Store(ref float destination, Vector128<float> sums, bool accumulate)
        => (accumulate ? Vector128.LoadUnsafe(ref destination) + sums : sums).StoreUnsafe(ref destination);

    /// <summary>Four weight rows (stride <paramref name="n"/>) against four tokens: per token, its four dot products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (Vector128<float>, Vector128<float>, Vector128<float>, Vector128<float>) Block4x4(ref float w, ref float x, int n)
    {
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        ref float x1 = ref Unsafe.Add(ref x, n);
        ref float x2 = ref Unsafe.Add(ref x, 2 * n);
        ref float x3 = ref Unsafe.Add(ref x, 3 * n);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (nuint i = 0; i < (nuint)(n - n % Lanes); i += Lanes)
        {
            var p = Vector512.LoadUnsafe(ref w, i);
            var q = Vector512.LoadUnsafe(ref w1, i);
            var r = Vector512.LoadUnsafe(ref w2, i);
            var s = Vector512.LoadUnsafe(ref w3, i);
            var t = Vector512.LoadUnsafe(ref x, i);
            a00 = Vector512.FusedMultiplyAdd(p, t, a00); a01 = Vector512.FusedMultiplyAdd(q, t, a01);
            a02 = Vector512.FusedMultiplyAdd(r, t, a02); a03 = Vector512.FusedMultiplyAdd(s, t, a03);
            t = Vector512.LoadUnsafe(ref x1, i);
            a10 = Vector512.FusedMultiplyAdd(p, t, a10); a11 = Vector512.FusedMultiplyAdd(q, t, a11);
            a12 = Vector512.FusedMultiplyAdd(r, t, a12); a13 = Vector512.FusedMultiplyAdd(s, t, a13);
            t = Vector512.LoadUnsafe(ref x2, i);
            a20 = Vector512.FusedMultiplyAdd(p, t, a20); a21 = Vector512.FusedMultiplyAdd(q, t, a21);
            a22 = Vector512.FusedMultiplyAdd(r, t, a22); a23 = Vector512.FusedMultiplyAdd(s, t, a23);
            t = Vector512.LoadUnsafe(ref x3, i);
            a30 = Vector512.FusedMultiplyAdd(p, t, a30); a31 = Vector512.FusedMultiplyAdd(q, t, a31);
            a32 = Vector512.FusedMultiplyAdd(r, t, a32); a33 = Vector512.FusedMultiplyAdd(s, t, a33);
        }
        return (Reduce(a00, a01, a02, a03) + Tail(ref w, ref x, n), Reduce(a10, a11, a12, a13) + Tail(ref w, ref x1, n),
            Reduce(a20, a21, a22, a23) + Tail(ref w, ref x2, n), Reduce(a30, a31, a32, a33) + Tail(ref w, ref x3, n));
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against five tokens: twenty accumulators, within the 32 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (Vector128<float>, Vector128<float>, Vector128<float>, Vector128<float>, Vector128<float>) Block4x5(ref float w, ref float x, int n)
    {
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        ref float x1 = ref Unsafe.Add(ref x, n);
        ref float x2 = ref Unsafe.Add(ref x, 2 * n);
        ref float x3 = ref Unsafe.Add(ref x, 3 * n);
        ref float x4 = ref Unsafe.Add(ref x, 4 * n);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        for (nuint i = 0; i < (nuint)(n - n % Lanes); i += Lanes)
        {
            var p = Vector512.LoadUnsafe(ref w, i);
            var q = Vector512.LoadUnsafe(ref w1, i);
            var r = Vector512.LoadUnsafe(ref w2, i);
            var s = Vector512.LoadUnsafe(ref w3, i);
            var t = Vector512.LoadUnsafe(ref x, i);
            a00 = Vector512.FusedMultiplyAdd(p, t, a00); a01 = Vector512.FusedMultiplyAdd(q, t, a01);
            a02 = Vector512.FusedMultiplyAdd(r, t, a02); a03 = Vector512.FusedMultiplyAdd(s, t, a03);
            t = Vector512.LoadUnsafe(ref x1, i);
            a10 = Vector512.FusedMultiplyAdd(p, t, a10); a11 = Vector512.FusedMultiplyAdd(q, t, a11);
            a12 = Vector512.FusedMultiplyAdd(r, t, a12); a13 = Vector512.FusedMultiplyAdd(s, t, a13);
            t = Vector512.LoadUnsafe(ref x2, i);
            a20 = Vector512.FusedMultiplyAdd(p, t, a20); a21 = Vector512.FusedMultiplyAdd(q, t, a21);
            a22 = Vector512.FusedMultiplyAdd(r, t, a22); a23 = Vector512.FusedMultiplyAdd(s, t, a23);
            t = Vector512.LoadUnsafe(ref x3, i);
            a30 = Vector512.FusedMultiplyAdd(p, t, a30); a31 = Vector512.FusedMultiplyAdd(q, t, a31);
            a32 = Vector512.FusedMultiplyAdd(r, t, a32); a33 = Vector512.FusedMultiplyAdd(s, t, a33);
            t = Vector512.LoadUnsafe(ref x4, i);
            a40 = Vector512.FusedMultiplyAdd(p, t, a40); a41 = Vector512.FusedMultiplyAdd(q, t, a41);
            a42 = Vector512.FusedMultiplyAdd(r, t, a42); a43 = Vector512.FusedMultiplyAdd(s, t, a43);
        }
        return (Reduce(a00, a01, a02, a03) + Tail(ref w, ref x, n), Reduce(a10, a11, a12, a13) + Tail(ref w, ref x1, n),
            Reduce(a20, a21, a22, a23) + Tail(ref w, ref x2, n), Reduce(a30, a31, a32, a33) + Tail(ref w, ref x3, n),
            Reduce(a40, a41, a42, a43) + Tail(ref w, ref x4, n));
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against three tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (Vector128<float>, Vector128<float>, Vector128<float>) Block4x3(ref float w, ref float x, int n)
    {
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        ref float x1 = ref Unsafe.Add(ref x, n);
        ref float x2 = ref Unsafe.Add(ref x, 2 * n);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        for (nuint i = 0; i < (nuint)(n - n % Lanes); i += Lanes)
        {
            var p = Vector512.LoadUnsafe(ref w, i);
            var q = Vector512.LoadUnsafe(ref w1, i);
            var r = Vector512.LoadUnsafe(ref w2, i);
            var s = Vector512.LoadUnsafe(ref w3, i);
            var t = Vector512.LoadUnsafe(ref x, i);
            a00 = Vector512.FusedMultiplyAdd(p, t, a00); a01 = Vector512.FusedMultiplyAdd(q, t, a01);
            a02 = Vector512.FusedMultiplyAdd(r, t, a02); a03 = Vector512.FusedMultiplyAdd(s, t, a03);
            t = Vector512.LoadUnsafe(ref x1, i);
            a10 = Vector512.FusedMultiplyAdd(p, t, a10); a11 = Vector512.FusedMultiplyAdd(q, t, a11);
            a12 = Vector512.FusedMultiplyAdd(r, t, a12); a13 = Vector512.FusedMultiplyAdd(s, t, a13);
            t = Vector512.LoadUnsafe(ref x2, i);
            a20 = Vector512.FusedMultiplyAdd(p, t, a20); a21 = Vector512.FusedMultiplyAdd(q, t, a21);
            a22 = Vector512.FusedMultiplyAdd(r, t, a22); a23 = Vector512.FusedMultiplyAdd(s, t, a23);
        }
        return (Reduce(a00, a01, a02, a03) + Tail(ref w, ref x, n), Reduce(a10, a11, a12, a13) + Tail(ref w, ref x1, n),
            Reduce(a20, a21, a22, a23) + Tail(ref w, ref x2, n));
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against two tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (Vector128<float>, Vector128<float>) Block4x2(ref float w, ref float x, int n)
    {
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        ref float x1 = ref Unsafe.Add(ref x, n);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        for (nuint i = 0; i < (nuint)(n - n % Lanes); i += Lanes)
        {
            var p = Vector512.LoadUnsafe(ref w, i);
            var q = Vector512.LoadUnsafe(ref w1, i);
            var r = Vector512.LoadUnsafe(ref w2, i);
            var s = Vector512.LoadUnsafe(ref w3, i);
            var t = Vector512.LoadUnsafe(ref x, i);
            a00 = Vector512.FusedMultiplyAdd(p, t, a00); a01 = Vector512.FusedMultiplyAdd(q, t, a01);
            a02 = Vector512.FusedMultiplyAdd(r, t, a02); a03 = Vector512.FusedMultiplyAdd(s, t, a03);
            t = Vector512.LoadUnsafe(ref x1, i);
            a10 = Vector512.FusedMultiplyAdd(p, t, a10); a11 = Vector512.FusedMultiplyAdd(q, t, a11);
            a12 = Vector512.FusedMultiplyAdd(r, t, a12); a13 = Vector512.FusedMultiplyAdd(s, t, a13);
        }
        return (Reduce(a00, a01, a02, a03) + Tail(ref w, ref x, n), Reduce(a10, a11, a12, a13) + Tail(ref w, ref x1, n));
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static Vector128<float> Block4x1(ref float w, ref float x, int n)
    {
        ref float w1 = ref Unsafe.Add(ref w, n);
        ref float w2 = ref Unsafe.Add(ref w, 2 * n);
        ref float w3 = ref Unsafe.Add(ref w, 3 * n);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint i = 0; i < (nuint)(n - n % Lanes); i += Lanes)
        {
            var t = Vector512.LoadUnsafe(ref x, i);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, i), t, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w1, i), t, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w2, i), t, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w3, i), t, a3);
        }
        return Reduce(a0, a1, a2, a3) + Tail(ref w, ref x, n);
    }

    /// <summary>The products past the last full vector (n mod 16 of them) of four weight rows with one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> Tail(ref float w, ref float x, int n)
    {
        int from = n - n % Lanes;
        if (from == n) return Vector128<float>.Zero;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = from; i < n; i++)
        {
            float t = Unsafe.Add(ref x, i);
            s0 += Unsafe.Add(ref w, i) * t;
            s1 += Unsafe.Add(ref w, n + i) * t;
            s2 += Unsafe.Add(ref w, 2 * n + i) * t;
            s3 += Unsafe.Add(ref w, 3 * n + i) * t;
        }
        return Vector128.Create(s0, s1, s2, s3);
    }

    /// <summary>[sum a, sum b, sum c, sum d]: halve each to 256 bits, then three horizontal adds and one fold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> Reduce(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        var ab = Avx.HorizontalAdd(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper());
        var cd = Avx.HorizontalAdd(c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
        var abcd = Avx.HorizontalAdd(ab, cd);
        return abcd.GetLower() + abcd.GetUpper();
    }
}
