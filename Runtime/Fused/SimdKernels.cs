using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LinearDsl.Runtime.Fused;

/// <summary>Runs each <see cref="BlockedKernels{T, TW, TV}"/> kernel at the width of <see cref="FusedIsa.For{T}"/>.</summary>
internal static class SimdKernels
{
    public static void Linear<T>(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (FusedIsa.For<T>())
        {
            case VectorWidth.W512: BlockedKernels<T, Width512<T>, Vector512<T>>.Linear(rows, x, weight, bias, y, accumulate); break;
            case VectorWidth.W256: BlockedKernels<T, Width256<T>, Vector256<T>>.Linear(rows, x, weight, bias, y, accumulate); break;
            case VectorWidth.W128: BlockedKernels<T, Width128<T>, Vector128<T>>.Linear(rows, x, weight, bias, y, accumulate); break;
            default: BlockedKernels<T, WidthScalar<T>, T>.Linear(rows, x, weight, bias, y, accumulate); break;
        }
    }

    /// <summary>Outputs [first, end) of y = x W^T at <paramref name="width"/> (a worker runs at its caller's width, not its own thread's).</summary>
    public static void Linear<T>(VectorWidth width, int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate, int first, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (width)
        {
            case VectorWidth.W512: BlockedKernels<T, Width512<T>, Vector512<T>>.Linear(rows, x, weight, bias, y, accumulate, first, end); break;
            case VectorWidth.W256: BlockedKernels<T, Width256<T>, Vector256<T>>.Linear(rows, x, weight, bias, y, accumulate, first, end); break;
            case VectorWidth.W128: BlockedKernels<T, Width128<T>, Vector128<T>>.Linear(rows, x, weight, bias, y, accumulate, first, end); break;
            default: BlockedKernels<T, WidthScalar<T>, T>.Linear(rows, x, weight, bias, y, accumulate, first, end); break;
        }
    }

    public static void AddWeightedRows<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> rows, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (FusedIsa.For<T>())
        {
            case VectorWidth.W512: BlockedKernels<T, Width512<T>, Vector512<T>>.AddWeightedRows(weights, rows, y); break;
            case VectorWidth.W256: BlockedKernels<T, Width256<T>, Vector256<T>>.AddWeightedRows(weights, rows, y); break;
            case VectorWidth.W128: BlockedKernels<T, Width128<T>, Vector128<T>>.AddWeightedRows(weights, rows, y); break;
            default: BlockedKernels<T, WidthScalar<T>, T>.AddWeightedRows(weights, rows, y); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> => FusedIsa.For<T>() switch
    {
        VectorWidth.W512 => BlockedKernels<T, Width512<T>, Vector512<T>>.Dot(a, b),
        VectorWidth.W256 => BlockedKernels<T, Width256<T>, Vector256<T>>.Dot(a, b),
        VectorWidth.W128 => BlockedKernels<T, Width128<T>, Vector128<T>>.Dot(a, b),
        _ => BlockedKernels<T, WidthScalar<T>, T>.Dot(a, b),
    };

    /// <summary>y += a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy<T>(T a, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (FusedIsa.For<T>())
        {
            case VectorWidth.W512: BlockedKernels<T, Width512<T>, Vector512<T>>.Axpy(a, x, y); break;
            case VectorWidth.W256: BlockedKernels<T, Width256<T>, Vector256<T>>.Axpy(a, x, y); break;
            case VectorWidth.W128: BlockedKernels<T, Width128<T>, Vector128<T>>.Axpy(a, x, y); break;
            default: BlockedKernels<T, WidthScalar<T>, T>.Axpy(a, x, y); break;
        }
    }

    /// <summary>y = a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale<T>(T a, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (FusedIsa.For<T>())
        {
            case VectorWidth.W512: BlockedKernels<T, Width512<T>, Vector512<T>>.Scale(a, x, y); break;
            case VectorWidth.W256: BlockedKernels<T, Width256<T>, Vector256<T>>.Scale(a, x, y); break;
            case VectorWidth.W128: BlockedKernels<T, Width128<T>, Vector128<T>>.Scale(a, x, y); break;
            default: BlockedKernels<T, WidthScalar<T>, T>.Scale(a, x, y); break;
        }
    }

    /// <summary>y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (FusedIsa.For<T>())
        {
            case VectorWidth.W512: BlockedKernels<T, Width512<T>, Vector512<T>>.Add(x, y); break;
            case VectorWidth.W256: BlockedKernels<T, Width256<T>, Vector256<T>>.Add(x, y); break;
            case VectorWidth.W128: BlockedKernels<T, Width128<T>, Vector128<T>>.Add(x, y); break;
            default: BlockedKernels<T, WidthScalar<T>, T>.Add(x, y); break;
        }
    }
}
