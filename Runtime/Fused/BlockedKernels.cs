using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The fused kernels written once over a vector width <typeparamref name="TW"/> (see <see cref="ISimdWidth{TVec, T}"/>):
/// y = x W^T register-blocked as four weight rows by five tokens where the CPU has 32 vector registers and by two
/// where it has 16 (each weight vector loaded serves every token of its block, so verifying a block of candidates
/// costs little more memory traffic than one token), a vector times a matrix with four output vectors held in
/// registers, and the small vector helpers of the mixers' kernels. Widths that do not divide the input finish with
/// a scalar tail. <see cref="SimdKernels"/> picks the width.
/// </summary>
internal static class BlockedKernels<T, TW, TV>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TW : struct, ISimdWidth<TV, T>
    where TV : struct
{
    /// <summary>y = x W^T (+ bias), or y += with <paramref name="accumulate"/>; W is [outputs, inputs] row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Linear(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate)
        => Linear(rows, x, weight, bias, y, accumulate, 0, y.Length / rows);

    /// <summary>
    /// The outputs [<paramref name="first"/>, <paramref name="end"/>) of <see cref="Linear(int, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, bool)"/>,
    /// the rest of y untouched. With <paramref name="first"/> a multiple of four, and <paramref name="end"/> one too or
    /// the last output, every output is computed by the same block as over all outputs, so a split is bit-identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Linear(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate, int first, int end)
    {
        int inputs = x.Length / rows, outputs = y.Length / rows;
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ws = ref MemoryMarshal.GetReference(weight);
        ref T ys = ref MemoryMarshal.GetReference(y);
        bool biased = !bias.IsEmpty;
        int r = first;
        for (; r + 4 <= end; r += 4)
        {
            ref T w = ref Unsafe.Add(ref ws, r * inputs);
            var b = biased ? (bias[r], bias[r + 1], bias[r + 2], bias[r + 3]) : (T.Zero, T.Zero, T.Zero, T.Zero);
            int t = 0;
            if (TW.WideBlocks)
            {
                // Five tokens at once is a step and four candidates (the default draft length).
                for (; t + 5 <= rows; t += 5)
                {
                    ref T x0 = ref Unsafe.Add(ref xs, t * inputs);
                    var (s0, s1, s2, s3, s4) = Block4x5(ref w, ref x0, inputs);
                    Put(ref Unsafe.Add(ref ys, t * outputs + r), s0, b, accumulate);
                    Put(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1, b, accumulate);
                    Put(ref Unsafe.Add(ref ys, (t + 2) * outputs + r), s2, b, accumulate);
                    Put(ref Unsafe.Add(ref ys, (t + 3) * outputs + r), s3, b, accumulate);
                    Put(ref Unsafe.Add(ref ys, (t + 4) * outputs + r), s4, b, accumulate);
                }
                // What is left (at most four tokens) in one more pass over the four weight rows.
                switch (rows - t)
                {
                    case 4:
                    {
                        var (s0, s1, s2, s3) = Block4x4(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs);
                        Put(ref Unsafe.Add(ref ys, t * outputs + r), s0, b, accumulate);
                        Put(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1, b, accumulate);
                        Put(ref Unsafe.Add(ref ys, (t + 2) * outputs + r), s2, b, accumulate);
                        Put(ref Unsafe.Add(ref ys, (t + 3) * outputs + r), s3, b, accumulate);
                        t += 4;
                        break;
                    }
                    case 3:
                    {
                        var (s0, s1, s2) = Block4x3(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs);
                        Put(ref Unsafe.Add(ref ys, t * outputs + r), s0, b, accumulate);
                        Put(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1, b, accumulate);
                        Put(ref Unsafe.Add(ref ys, (t + 2) * outputs + r), s2, b, accumulate);
                        t += 3;
                        break;
                    }
                }
            }
            // Sixteen registers hold a block of four rows by two tokens (eight accumulators) and its operands.
            for (; t + 2 <= rows; t += 2)
            {
                var (s0, s1) = Block4x2(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs);
                Put(ref Unsafe.Add(ref ys, t * outputs + r), s0, b, accumulate);
                Put(ref Unsafe.Add(ref ys, (t + 1) * outputs + r), s1, b, accumulate);
            }
            if (t < rows) Put(ref Unsafe.Add(ref ys, t * outputs + r), Block4x1(ref w, ref Unsafe.Add(ref xs, t * inputs), inputs), b, accumulate);
        }
        for (; r < end; r++)
        {
            var wr = weight.Slice(r * inputs, inputs);
            for (int t = 0; t < rows; t++)
            {
                T s = Dot(x.Slice(t * inputs, inputs), wr) + (biased ? bias[r] : T.Zero);
                if (accumulate) y[t * outputs + r] += s;
                else y[t * outputs + r] = s;
            }
        }
    }

    /// <summary>
    /// y += sum_i weights[i] rows[i] (rows [n, y.Length] row-major): four output vectors stay in registers while the
    /// rows stream past, one broadcast and four multiply-adds per row; then one vector at a time, then one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddWeightedRows(ReadOnlySpan<T> weights, ReadOnlySpan<T> rows, Span<T> y)
    {
        int n = weights.Length, d = y.Length, lanes = TW.Count;
        ref T ws = ref MemoryMarshal.GetReference(weights);
        ref T rs = ref MemoryMarshal.GetReference(rows);
        ref T ys = ref MemoryMarshal.GetReference(y);
        int c = 0;
        for (; c + 4 * lanes <= d; c += 4 * lanes)
        {
            ref T yc = ref Unsafe.Add(ref ys, c);
            var a0 = TW.Load(ref yc, 0);
            var a1 = TW.Load(ref yc, (nuint)lanes);
            var a2 = TW.Load(ref yc, (nuint)(2 * lanes));
            var a3 = TW.Load(ref yc, (nuint)(3 * lanes));
            for (int i = 0; i < n; i++)
            {
                var w = TW.Broadcast(Unsafe.Add(ref ws, i));
                ref T row = ref Unsafe.Add(ref rs, i * d + c);
                a0 = TW.MultiplyAdd(TW.Load(ref row, 0), w, a0);
                a1 = TW.MultiplyAdd(TW.Load(ref row, (nuint)lanes), w, a1);
                a2 = TW.MultiplyAdd(TW.Load(ref row, (nuint)(2 * lanes)), w, a2);
                a3 = TW.MultiplyAdd(TW.Load(ref row, (nuint)(3 * lanes)), w, a3);
            }
            TW.Store(a0, ref yc, 0);
            TW.Store(a1, ref yc, (nuint)lanes);
            TW.Store(a2, ref yc, (nuint)(2 * lanes));
            TW.Store(a3, ref yc, (nuint)(3 * lanes));
        }
        for (; c + lanes <= d; c += lanes)
        {
            ref T yc = ref Unsafe.Add(ref ys, c);
            var a = TW.Load(ref yc, 0);
            for (int i = 0; i < n; i++) a = TW.MultiplyAdd(TW.Load(ref rs, (nuint)(i * d + c)), TW.Broadcast(Unsafe.Add(ref ws, i)), a);
            TW.Store(a, ref yc, 0);
        }
        for (; c < d; c++)
        {
            T sum = Unsafe.Add(ref ys, c);
            for (int i = 0; i < n; i++) sum += Unsafe.Add(ref ws, i) * Unsafe.Add(ref rs, i * d + c);
            Unsafe.Add(ref ys, c) = sum;
        }
    }

    /// <summary>Sum of a[i] b[i] (two accumulators, then a scalar tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        int n = a.Length, lanes = TW.Count;
        ref T xa = ref MemoryMarshal.GetReference(a);
        ref T xb = ref MemoryMarshal.GetReference(b.Slice(0, n));
        TV acc0 = TW.Zero, acc1 = TW.Zero;
        int i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes)
        {
            acc0 = TW.MultiplyAdd(TW.Load(ref xa, (nuint)i), TW.Load(ref xb, (nuint)i), acc0);
            acc1 = TW.MultiplyAdd(TW.Load(ref xa, (nuint)(i + lanes)), TW.Load(ref xb, (nuint)(i + lanes)), acc1);
        }
        if (i + lanes <= n)
        {
            acc0 = TW.MultiplyAdd(TW.Load(ref xa, (nuint)i), TW.Load(ref xb, (nuint)i), acc0);
            i += lanes;
        }
        T sum = TW.Sum(TW.Add(acc0, acc1));
        for (; i < n; i++) sum += Unsafe.Add(ref xa, i) * Unsafe.Add(ref xb, i);
        return sum;
    }

    /// <summary>y += a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(T a, ReadOnlySpan<T> x, Span<T> y)
    {
        int n = x.Length, lanes = TW.Count, i = 0;
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y.Slice(0, n));
        var factor = TW.Broadcast(a);
        for (; i + lanes <= n; i += lanes) TW.Store(TW.MultiplyAdd(TW.Load(ref xs, (nuint)i), factor, TW.Load(ref ys, (nuint)i)), ref ys, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ys, i) += a * Unsafe.Add(ref xs, i);
    }

    /// <summary>y = a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(T a, ReadOnlySpan<T> x, Span<T> y)
    {
        int n = x.Length, lanes = TW.Count, i = 0;
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y.Slice(0, n));
        var factor = TW.Broadcast(a);
        for (; i + lanes <= n; i += lanes) TW.Store(TW.Multiply(TW.Load(ref xs, (nuint)i), factor), ref ys, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ys, i) = a * Unsafe.Add(ref xs, i);
    }

    /// <summary>y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ReadOnlySpan<T> x, Span<T> y)
    {
        int n = x.Length, lanes = TW.Count, i = 0;
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y.Slice(0, n));
        for (; i + lanes <= n; i += lanes) TW.Store(TW.Add(TW.Load(ref xs, (nuint)i), TW.Load(ref ys, (nuint)i)), ref ys, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ys, i) += Unsafe.Add(ref xs, i);
    }

    /// <summary>Writes (or adds) four sums plus their biases at <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put(ref T y, (T, T, T, T) s, (T, T, T, T) b, bool accumulate)
    {
        if (accumulate)
        {
            y += s.Item1 + b.Item1;
            Unsafe.Add(ref y, 1) += s.Item2 + b.Item2;
            Unsafe.Add(ref y, 2) += s.Item3 + b.Item3;
            Unsafe.Add(ref y, 3) += s.Item4 + b.Item4;
        }
        else
        {
            y = s.Item1 + b.Item1;
            Unsafe.Add(ref y, 1) = s.Item2 + b.Item2;
            Unsafe.Add(ref y, 2) = s.Item3 + b.Item3;
            Unsafe.Add(ref y, 3) = s.Item4 + b.Item4;
        }
    }

    /// <summary>Where the vector loop over <paramref name="n"/> inputs ends and the scalar tail begins.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static nuint VectorEnd(int n) => (nuint)(n - n % TW.Count);

    /// <summary>Four reduced accumulators plus the tail products of four weight rows with one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (T, T, T, T) Finish(TV a0, TV a1, TV a2, TV a3, ref T w, ref T x, int n)
    {
        var (s0, s1, s2, s3) = TW.Sum4(a0, a1, a2, a3);
        for (int i = (int)VectorEnd(n); i < n; i++)
        {
            T t = Unsafe.Add(ref x, i);
            s0 += Unsafe.Add(ref w, i) * t;
            s1 += Unsafe.Add(ref w, n + i) * t;
            s2 += Unsafe.Add(ref w, 2 * n + i) * t;
            s3 += Unsafe.Add(ref w, 3 * n + i) * t;
        }
        return (s0, s1, s2, s3);
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against five tokens: twenty accumulators, within 32 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static ((T, T, T, T), (T, T, T, T), (T, T, T, T), (T, T, T, T), (T, T, T, T)) Block4x5(ref T w, ref T x, int n)
    {
        ref T w1 = ref Unsafe.Add(ref w, n);
        ref T w2 = ref Unsafe.Add(ref w, 2 * n);
        ref T w3 = ref Unsafe.Add(ref w, 3 * n);
        ref T x1 = ref Unsafe.Add(ref x, n);
        ref T x2 = ref Unsafe.Add(ref x, 2 * n);
        ref T x3 = ref Unsafe.Add(ref x, 3 * n);
        ref T x4 = ref Unsafe.Add(ref x, 4 * n);
        TV a00 = TW.Zero, a01 = TW.Zero, a02 = TW.Zero, a03 = TW.Zero;
        TV a10 = TW.Zero, a11 = TW.Zero, a12 = TW.Zero, a13 = TW.Zero;
        TV a20 = TW.Zero, a21 = TW.Zero, a22 = TW.Zero, a23 = TW.Zero;
        TV a30 = TW.Zero, a31 = TW.Zero, a32 = TW.Zero, a33 = TW.Zero;
        TV a40 = TW.Zero, a41 = TW.Zero, a42 = TW.Zero, a43 = TW.Zero;
        nuint end = VectorEnd(n), lanes = (nuint)TW.Count;
        for (nuint i = 0; i < end; i += lanes)
        {
            var p = TW.Load(ref w, i);
            var q = TW.Load(ref w1, i);
            var r = TW.Load(ref w2, i);
            var s = TW.Load(ref w3, i);
            var t = TW.Load(ref x, i);
            a00 = TW.MultiplyAdd(p, t, a00); a01 = TW.MultiplyAdd(q, t, a01); a02 = TW.MultiplyAdd(r, t, a02); a03 = TW.MultiplyAdd(s, t, a03);
            t = TW.Load(ref x1, i);
            a10 = TW.MultiplyAdd(p, t, a10); a11 = TW.MultiplyAdd(q, t, a11); a12 = TW.MultiplyAdd(r, t, a12); a13 = TW.MultiplyAdd(s, t, a13);
            t = TW.Load(ref x2, i);
            a20 = TW.MultiplyAdd(p, t, a20); a21 = TW.MultiplyAdd(q, t, a21); a22 = TW.MultiplyAdd(r, t, a22); a23 = TW.MultiplyAdd(s, t, a23);
            t = TW.Load(ref x3, i);
            a30 = TW.MultiplyAdd(p, t, a30); a31 = TW.MultiplyAdd(q, t, a31); a32 = TW.MultiplyAdd(r, t, a32); a33 = TW.MultiplyAdd(s, t, a33);
            t = TW.Load(ref x4, i);
            a40 = TW.MultiplyAdd(p, t, a40); a41 = TW.MultiplyAdd(q, t, a41); a42 = TW.MultiplyAdd(r, t, a42); a43 = TW.MultiplyAdd(s, t, a43);
        }
        return (Finish(a00, a01, a02, a03, ref w, ref x, n), Finish(a10, a11, a12, a13, ref w, ref x1, n), Finish(a20, a21, a22, a23, ref w, ref x2, n),
            Finish(a30, a31, a32, a33, ref w, ref x3, n), Finish(a40, a41, a42, a43, ref w, ref x4, n));
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against four tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static ((T, T, T, T), (T, T, T, T), (T, T, T, T), (T, T, T, T)) Block4x4(ref T w, ref T x, int n)
    {
        ref T w1 = ref Unsafe.Add(ref w, n);
        ref T w2 = ref Unsafe.Add(ref w, 2 * n);
        ref T w3 = ref Unsafe.Add(ref w, 3 * n);
        ref T x1 = ref Unsafe.Add(ref x, n);
        ref T x2 = ref Unsafe.Add(ref x, 2 * n);
        ref T x3 = ref Unsafe.Add(ref x, 3 * n);
        TV a00 = TW.Zero, a01 = TW.Zero, a02 = TW.Zero, a03 = TW.Zero;
        TV a10 = TW.Zero, a11 = TW.Zero, a12 = TW.Zero, a13 = TW.Zero;
        TV a20 = TW.Zero, a21 = TW.Zero, a22 = TW.Zero, a23 = TW.Zero;
        TV a30 = TW.Zero, a31 = TW.Zero, a32 = TW.Zero, a33 = TW.Zero;
        nuint end = VectorEnd(n), lanes = (nuint)TW.Count;
        for (nuint i = 0; i < end; i += lanes)
        {
            var p = TW.Load(ref w, i);
            var q = TW.Load(ref w1, i);
            var r = TW.Load(ref w2, i);
            var s = TW.Load(ref w3, i);
            var t = TW.Load(ref x, i);
            a00 = TW.MultiplyAdd(p, t, a00); a01 = TW.MultiplyAdd(q, t, a01); a02 = TW.MultiplyAdd(r, t, a02); a03 = TW.MultiplyAdd(s, t, a03);
            t = TW.Load(ref x1, i);
            a10 = TW.MultiplyAdd(p, t, a10); a11 = TW.MultiplyAdd(q, t, a11); a12 = TW.MultiplyAdd(r, t, a12); a13 = TW.MultiplyAdd(s, t, a13);
            t = TW.Load(ref x2, i);
            a20 = TW.MultiplyAdd(p, t, a20); a21 = TW.MultiplyAdd(q, t, a21); a22 = TW.MultiplyAdd(r, t, a22); a23 = TW.MultiplyAdd(s, t, a23);
            t = TW.Load(ref x3, i);
            a30 = TW.MultiplyAdd(p, t, a30); a31 = TW.MultiplyAdd(q, t, a31); a32 = TW.MultiplyAdd(r, t, a32); a33 = TW.MultiplyAdd(s, t, a33);
        }
        return (Finish(a00, a01, a02, a03, ref w, ref x, n), Finish(a10, a11, a12, a13, ref w, ref x1, n),
            Finish(a20, a21, a22, a23, ref w, ref x2, n), Finish(a30, a31, a32, a33, ref w, ref x3, n));
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against three tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static ((T, T, T, T), (T, T, T, T), (T, T, T, T)) Block4x3(ref T w, ref T x, int n)
    {
        ref T w1 = ref Unsafe.Add(ref w, n);
        ref T w2 = ref Unsafe.Add(ref w, 2 * n);
        ref T w3 = ref Unsafe.Add(ref w, 3 * n);
        ref T x1 = ref Unsafe.Add(ref x, n);
        ref T x2 = ref Unsafe.Add(ref x, 2 * n);
        TV a00 = TW.Zero, a01 = TW.Zero, a02 = TW.Zero, a03 = TW.Zero;
        TV a10 = TW.Zero, a11 = TW.Zero, a12 = TW.Zero, a13 = TW.Zero;
        TV a20 = TW.Zero, a21 = TW.Zero, a22 = TW.Zero, a23 = TW.Zero;
        nuint end = VectorEnd(n), lanes = (nuint)TW.Count;
        for (nuint i = 0; i < end; i += lanes)
        {
            var p = TW.Load(ref w, i);
            var q = TW.Load(ref w1, i);
            var r = TW.Load(ref w2, i);
            var s = TW.Load(ref w3, i);
            var t = TW.Load(ref x, i);
            a00 = TW.MultiplyAdd(p, t, a00); a01 = TW.MultiplyAdd(q, t, a01); a02 = TW.MultiplyAdd(r, t, a02); a03 = TW.MultiplyAdd(s, t, a03);
            t = TW.Load(ref x1, i);
            a10 = TW.MultiplyAdd(p, t, a10); a11 = TW.MultiplyAdd(q, t, a11); a12 = TW.MultiplyAdd(r, t, a12); a13 = TW.MultiplyAdd(s, t, a13);
            t = TW.Load(ref x2, i);
            a20 = TW.MultiplyAdd(p, t, a20); a21 = TW.MultiplyAdd(q, t, a21); a22 = TW.MultiplyAdd(r, t, a22); a23 = TW.MultiplyAdd(s, t, a23);
        }
        return (Finish(a00, a01, a02, a03, ref w, ref x, n), Finish(a10, a11, a12, a13, ref w, ref x1, n), Finish(a20, a21, a22, a23, ref w, ref x2, n));
    }

    /// <summary>Four weight rows (stride <paramref name="n"/>) against two tokens: eight accumulators, within 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static ((T, T, T, T), (T, T, T, T)) Block4x2(ref T w, ref T x, int n)
    {
        ref T w1 = ref Unsafe.Add(ref w, n);
        ref T w2 = ref Unsafe.Add(ref w, 2 * n);
        ref T w3 = ref Unsafe.Add(ref w, 3 * n);
        ref T x1 = ref Unsafe.Add(ref x, n);
        TV a00 = TW.Zero, a01 = TW.Zero, a02 = TW.Zero, a03 = TW.Zero;
        TV a10 = TW.Zero, a11 = TW.Zero, a12 = TW.Zero, a13 = TW.Zero;
        nuint end = VectorEnd(n), lanes = (nuint)TW.Count;
        for (nuint i = 0; i < end; i += lanes)
        {
            var p = TW.Load(ref w, i);
            var q = TW.Load(ref w1, i);
            var r = TW.Load(ref w2, i);
            var s = TW.Load(ref w3, i);
            var t = TW.Load(ref x, i);
            a00 = TW.MultiplyAdd(p, t, a00); a01 = TW.MultiplyAdd(q, t, a01); a02 = TW.MultiplyAdd(r, t, a02); a03 = TW.MultiplyAdd(s, t, a03);
            t = TW.Load(ref x1, i);
            a10 = TW.MultiplyAdd(p, t, a10); a11 = TW.MultiplyAdd(q, t, a11); a12 = TW.MultiplyAdd(r, t, a12); a13 = TW.MultiplyAdd(s, t, a13);
        }
        return (Finish(a00, a01, a02, a03, ref w, ref x, n), Finish(a10, a11, a12, a13, ref w, ref x1, n));
    }

    /// <summary>
    /// Four weight rows (stride <paramref name="n"/>) against one token, two vectors per pass so that eight
    /// independent accumulators hide the multiply-add latency of a single token.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (T, T, T, T) Block4x1(ref T w, ref T x, int n)
    {
        ref T w1 = ref Unsafe.Add(ref w, n);
        ref T w2 = ref Unsafe.Add(ref w, 2 * n);
        ref T w3 = ref Unsafe.Add(ref w, 3 * n);
        TV a0 = TW.Zero, a1 = TW.Zero, a2 = TW.Zero, a3 = TW.Zero;
        TV b0 = TW.Zero, b1 = TW.Zero, b2 = TW.Zero, b3 = TW.Zero;
        nuint end = VectorEnd(n), lanes = (nuint)TW.Count, i = 0;
        for (; i + 2 * lanes <= end; i += 2 * lanes)
        {
            var t = TW.Load(ref x, i);
            var u = TW.Load(ref x, i + lanes);
            a0 = TW.MultiplyAdd(TW.Load(ref w, i), t, a0); b0 = TW.MultiplyAdd(TW.Load(ref w, i + lanes), u, b0);
            a1 = TW.MultiplyAdd(TW.Load(ref w1, i), t, a1); b1 = TW.MultiplyAdd(TW.Load(ref w1, i + lanes), u, b1);
            a2 = TW.MultiplyAdd(TW.Load(ref w2, i), t, a2); b2 = TW.MultiplyAdd(TW.Load(ref w2, i + lanes), u, b2);
            a3 = TW.MultiplyAdd(TW.Load(ref w3, i), t, a3); b3 = TW.MultiplyAdd(TW.Load(ref w3, i + lanes), u, b3);
        }
        if (i < end)
        {
            var t = TW.Load(ref x, i);
            a0 = TW.MultiplyAdd(TW.Load(ref w, i), t, a0);
            a1 = TW.MultiplyAdd(TW.Load(ref w1, i), t, a1);
            a2 = TW.MultiplyAdd(TW.Load(ref w2, i), t, a2);
            a3 = TW.MultiplyAdd(TW.Load(ref w3, i), t, a3);
        }
        return Finish(TW.Add(a0, b0), TW.Add(a1, b1), TW.Add(a2, b2), TW.Add(a3, b3), ref w, ref x, n);
    }
}
