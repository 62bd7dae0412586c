using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// One vector width for the fused kernels: <typeparamref name="TVec"/> holds <see cref="Count"/> values of
/// <typeparamref name="T"/> (float or double). The kernels are generic over a struct of this interface, so the JIT
/// compiles one specialised copy per width with every call below inlined.
/// </summary>
internal interface ISimdWidth<TVec, T> where TVec : struct where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Values per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether the register file takes a block of four weight rows by five tokens (32 vector registers: AVX-512, ARM64), not only four by two (16 registers: AVX2, SSE).</summary>
    static abstract bool WideBlocks { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Load(ref T source, nuint index);

    static abstract void Store(TVec value, ref T destination, nuint index);

    static abstract TVec Broadcast(T value);

    /// <summary>a * b + c, fused where the CPU has FMA.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    static abstract TVec Multiply(TVec a, TVec b);

    static abstract TVec Add(TVec a, TVec b);

    static abstract T Sum(TVec v);

    /// <summary>The sums of four vectors (the four dot products of one token), reduced together where the CPU has pairwise adds.</summary>
    static abstract (T, T, T, T) Sum4(TVec a, TVec b, TVec c, TVec d);
}

/// <summary>512-bit vectors (AVX-512).</summary>
internal readonly struct Width512<T> : ISimdWidth<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;
    public static bool WideBlocks => true;
    public static Vector512<T> Zero => Vector512<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T source, nuint index) => Vector512.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        => typeof(T) == typeof(float)
            ? Vector512.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector512.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> v) => Vector512.Sum(v);

    /// <summary>Each folded to 256 bits, then reduced as four 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T, T, T, T) Sum4(Vector512<T> a, Vector512<T> b, Vector512<T> c, Vector512<T> d)
        => Width256<T>.Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
}

/// <summary>256-bit vectors (AVX2 + FMA).</summary>
internal readonly struct Width256<T> : ISimdWidth<Vector256<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;
    public static bool WideBlocks => false;
    public static Vector256<T> Zero => Vector256<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T source, nuint index) => Vector256.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        => typeof(T) == typeof(float)
            ? Vector256.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector256.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> v) => Vector256.Sum(v);

    /// <summary>float on AVX: three horizontal adds and one fold; otherwise each folded to 128 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T, T, T, T) Sum4(Vector256<T> a, Vector256<T> b, Vector256<T> c, Vector256<T> d)
    {
        if (typeof(T) == typeof(float) && Avx.IsSupported)
        {
            var ab = Avx.HorizontalAdd(a.AsSingle(), b.AsSingle());
            var cd = Avx.HorizontalAdd(c.AsSingle(), d.AsSingle());
            var abcd = Avx.HorizontalAdd(ab, cd);
            var sums = (abcd.GetLower() + abcd.GetUpper()).As<float, T>();
            return (sums.GetElement(0), sums.GetElement(1), sums.GetElement(2), sums.GetElement(3));
        }
        return Width128<T>.Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
    }
}

/// <summary>128-bit vectors (ARM64 AdvSimd, SSE).</summary>
internal readonly struct Width128<T> : ISimdWidth<Vector128<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;

    /// <summary>ARM64 has 32 vector registers; x64 without AVX-512 has 16.</summary>
    public static bool WideBlocks => AdvSimd.IsSupported;

    public static Vector128<T> Zero => Vector128<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref T source, nuint index) => Vector128.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
        => typeof(T) == typeof(float)
            ? Vector128.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector128.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> v) => Vector128.Sum(v);

    /// <summary>float with pairwise adds (SSE3, ARM64): two rounds of them; otherwise one sum each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T, T, T, T) Sum4(Vector128<T> a, Vector128<T> b, Vector128<T> c, Vector128<T> d)
    {
        if (typeof(T) == typeof(float) && Sse3.IsSupported)
        {
            var sums = Sse3.HorizontalAdd(Sse3.HorizontalAdd(a.AsSingle(), b.AsSingle()), Sse3.HorizontalAdd(c.AsSingle(), d.AsSingle())).As<float, T>();
            return (sums.GetElement(0), sums.GetElement(1), sums.GetElement(2), sums.GetElement(3));
        }
        if (typeof(T) == typeof(float) && AdvSimd.Arm64.IsSupported)
        {
            var sums = AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a.AsSingle(), b.AsSingle()), AdvSimd.Arm64.AddPairwise(c.AsSingle(), d.AsSingle())).As<float, T>();
            return (sums.GetElement(0), sums.GetElement(1), sums.GetElement(2), sums.GetElement(3));
        }
        return (Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }
}

/// <summary>One value at a time: the same blocked kernels without vectors (the portable fallback).</summary>
internal readonly struct WidthScalar<T> : ISimdWidth<T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;
    public static bool WideBlocks => false;
    public static T Zero => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref T source, nuint index) => Unsafe.Add(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, ref T destination, nuint index) => Unsafe.Add(ref destination, index) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Broadcast(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T a, T b, T c) => a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply(T a, T b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T a, T b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(T v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T, T, T, T) Sum4(T a, T b, T c, T d) => (a, b, c, d);
}
