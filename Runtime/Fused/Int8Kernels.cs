using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// y = x W^T with W an <see cref="Int8Matrix"/> and x quantized per token by the same block rule (W8A8, Q8_0 x Q8_0
/// like llama.cpp): each block's integer dot product Σ q_w q_x is exact (|Σ| ≤ 32 · 127² &lt; 2^24, so also exact as a
/// float), and y = Σ_blocks d_w d_x Σ q_w q_x, summed in float32. The paths differ only in how that float sum is
/// ordered; every output is computed alone, so a split of the outputs across threads is bit-identical.
/// AVX2/AVX-512 multiply unsigned by signed bytes (VPMADDUBSW, VPDPBUSD): |w| times x with w's sign, which cannot
/// saturate because neither operand reaches 128 in magnitude at once (activations stop at ±127).
/// </summary>
internal static class Int8Kernels
{
    /// <summary>Outputs [first, end) of y = x W^T (+ bias), or y += with <paramref name="accumulate"/>.</summary>
    public static void Linear<T>(Int8Path path, int rows, ReadOnlySpan<sbyte> xValues, ReadOnlySpan<float> xScales, Int8Matrix weight,
        ReadOnlySpan<T> bias, Span<T> y, bool accumulate, int first, int end) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outputs = weight.Outputs, stride = weight.Stride, blocks = weight.Blocks;
        if (xValues.Length != rows * stride || xScales.Length != rows * blocks || y.Length != rows * outputs)
            throw new ArgumentException("The quantized activations or the outputs do not fit the int8 weight.");
        ref sbyte ws = ref MemoryMarshal.GetArrayDataReference(weight.Values);
        ref float wd = ref MemoryMarshal.GetArrayDataReference(weight.Scales);
        ref sbyte xs = ref MemoryMarshal.GetReference(xValues);
        ref float xd = ref MemoryMarshal.GetReference(xScales);
        for (int o = first; o < end; o++)
        {
            ref sbyte w = ref Unsafe.Add(ref ws, o * stride);
            ref float d = ref Unsafe.Add(ref wd, o * blocks);
            T b = bias.IsEmpty ? T.Zero : bias[o];
            for (int t = 0; t < rows; t++)
            {
                float dot = Dot(path, ref w, ref d, ref Unsafe.Add(ref xs, t * stride), ref Unsafe.Add(ref xd, t * blocks), blocks);
                ref T target = ref y[t * outputs + o];
                T value = T.CreateTruncating(dot) + b;
                target = accumulate ? target + value : value;
            }
        }
    }

    /// <summary>Σ_b wd[b] xd[b] Σ_i w[b,i] x[b,i] over <paramref name="blocks"/> blocks of 32, by <paramref name="path"/>.</summary>
    public static float Dot(Int8Path path, ref sbyte w, ref float wd, ref sbyte x, ref float xd, int blocks) => path switch
    {
        Int8Path.Avx512 => DotAvx512(ref w, ref wd, ref x, ref xd, blocks),
        Int8Path.AvxVnni => DotAvxVnni(ref w, ref wd, ref x, ref xd, blocks),
        Int8Path.Avx2 => DotAvx2(ref w, ref wd, ref x, ref xd, blocks),
        Int8Path.Vector128 => DotVector128(ref w, ref wd, ref x, ref xd, blocks),
        _ => DotScalar(ref w, ref wd, ref x, ref xd, blocks),
    };

    /// <summary>The integer dot product of one block by the plain loop (the reference).</summary>
    public static int BlockDotScalar(ref sbyte w, ref sbyte x)
    {
        int sum = 0;
        for (int i = 0; i < Int8Blocks.Size; i++) sum += Unsafe.Add(ref w, i) * Unsafe.Add(ref x, i);
        return sum;
    }

    static float DotScalar(ref sbyte w, ref float wd, ref sbyte x, ref float xd, int blocks)
    {
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            int offset = b * Int8Blocks.Size;
            sum += BlockDotScalar(ref Unsafe.Add(ref w, offset), ref Unsafe.Add(ref x, offset)) * (Unsafe.Add(ref wd, b) * Unsafe.Add(ref xd, b));
        }
        return sum;
    }

    /// <summary>Portable: widening 8 -> 16-bit multiplies (127² fits), pairs added in 16 bits (2 · 127² fits), widened to 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float DotVector128(ref sbyte w, ref float wd, ref sbyte x, ref float xd, int blocks)
    {
        var acc = Vector128<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            nuint offset = (nuint)(b * Int8Blocks.Size);
            var sums = Vector128<int>.Zero;
            for (nuint half = 0; half < 32; half += 16)
            {
                var wv = Vector128.LoadUnsafe(ref w, offset + half);
                var xv = Vector128.LoadUnsafe(ref x, offset + half);
                var products = Vector128.WidenLower(wv) * Vector128.WidenLower(xv) + Vector128.WidenUpper(wv) * Vector128.WidenUpper(xv);
                sums += Vector128.WidenLower(products) + Vector128.WidenUpper(products);
            }
            acc += Vector128.ConvertToSingle(sums) * Vector128.Create(Unsafe.Add(ref wd, b) * Unsafe.Add(ref xd, b));
        }
        return Vector128.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float DotAvx2(ref sbyte w, ref float wd, ref sbyte x, ref float xd, int blocks)
    {
        var acc = Vector256<float>.Zero;
        var ones = Vector256.Create((short)1);
        for (int b = 0; b < blocks; b++)
        {
            nuint offset = (nuint)(b * Int8Blocks.Size);
            var wv = Vector256.LoadUnsafe(ref w, offset);
            var xv = Vector256.LoadUnsafe(ref x, offset);
            var pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(wv), Avx2.Sign(xv, wv));
            var sums = Avx2.MultiplyAddAdjacent(pairs, ones);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Vector256.Create(Unsafe.Add(ref wd, b) * Unsafe.Add(ref xd, b)), acc);
        }
        return Vector256.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float DotAvxVnni(ref sbyte w, ref float wd, ref sbyte x, ref float xd, int blocks)
    {
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            nuint offset = (nuint)(b * Int8Blocks.Size);
            var wv = Vector256.LoadUnsafe(ref w, offset);
            var xv = Vector256.LoadUnsafe(ref x, offset);
            var sums = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Avx2.Abs(wv), Avx2.Sign(xv, wv));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Vector256.Create(Unsafe.Add(ref wd, b) * Unsafe.Add(ref xd, b)), acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>Two blocks per 512-bit register: lanes 0-7 hold the first block's partial sums, lanes 8-15 the second's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float DotAvx512(ref sbyte w, ref float wd, ref sbyte x, ref float xd, int blocks)
    {
        var acc = Vector512<float>.Zero;
        var ones = Vector512.Create((short)1);
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
        {
            nuint offset = (nuint)(b * Int8Blocks.Size);
            var wv = Vector512.LoadUnsafe(ref w, offset);
            var xv = Vector512.LoadUnsafe(ref x, offset);
            var signed = Vector512.ConditionalSelect(Vector512.LessThan(wv, Vector512<sbyte>.Zero), -xv, xv);
            var pairs = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(wv), signed);
            var sums = Avx512BW.MultiplyAddAdjacent(pairs, ones);
            var scales = Vector512.Create(
                Vector256.Create(Unsafe.Add(ref wd, b) * Unsafe.Add(ref xd, b)),
                Vector256.Create(Unsafe.Add(ref wd, b + 1) * Unsafe.Add(ref xd, b + 1)));
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums), scales, acc);
        }
        float sum = Vector512.Sum(acc);
        if (b < blocks)
        {
            nuint offset = (nuint)(b * Int8Blocks.Size);
            var wv = Vector256.LoadUnsafe(ref w, offset);
            var xv = Vector256.LoadUnsafe(ref x, offset);
            var last = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(wv), Avx2.Sign(xv, wv)), Vector256.Create((short)1));
            sum += Vector256.Sum(Avx.ConvertToVector256Single(last)) * (Unsafe.Add(ref wd, b) * Unsafe.Add(ref xd, b));
        }
        return sum;
    }
}
