using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// Which vector width the fused kernels use: the widest the CPU accelerates, chosen once at start-up (AVX-512,
/// else AVX2 with FMA, else 128-bit AdvSimd or SSE, else scalar). Every kernel is written once over a width and
/// register-blocked at each, so a CPU without AVX-512 still runs blocked code. Tests force a narrower width on
/// their own thread to check every width on one machine.
/// </summary>
internal static class FusedIsa
{
    [ThreadStatic] static VectorWidth? t_forced;

    /// <summary>The width the CPU's kernels run at (the widest it accelerates).</summary>
    public static VectorWidth Selected { get; } = Detect();

    /// <summary>The width the kernels run at on this thread: <see cref="Selected"/> unless a test forced another.</summary>
    public static VectorWidth Width => t_forced ?? Selected;

    /// <summary>
    /// The instruction sets behind the kernels, for benchmark rows: architecture, the vector extensions the CPU has,
    /// and the width selected, e.g. "X64 avx512f avx2 fma sse3 -> 512".
    /// </summary>
    public static string Description { get; } = Describe();

    /// <summary>
    /// Makes this thread's kernels run at <paramref name="width"/> until the result is disposed (tests). A width
    /// wider than <see cref="Selected"/> is refused: the CPU would emulate it.
    /// </summary>
    internal static IDisposable Force(VectorWidth width)
    {
        if (width > Selected)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"This CPU runs the kernels at {Selected} at most.");
        var previous = t_forced;
        t_forced = width;
        return new Restore(previous);
    }

    /// <summary>The width for element type <typeparamref name="T"/>: vectors hold float and double only.</summary>
    internal static VectorWidth For<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double) ? Width : VectorWidth.Scalar;

    static VectorWidth Detect()
    {
        if (Vector512.IsHardwareAccelerated) return VectorWidth.W512;
        // Without FMA a 256-bit fused multiply-add would be emulated; 128-bit vectors then multiply and add apart.
        if (Vector256.IsHardwareAccelerated && Fma.IsSupported) return VectorWidth.W256;
        if (Vector128.IsHardwareAccelerated) return VectorWidth.W128;
        return VectorWidth.Scalar;
    }

    static string Describe()
    {
        var features = new List<string>();
        if (Avx512F.IsSupported) features.Add("avx512f");
        if (Avx2.IsSupported) features.Add("avx2");
        if (Fma.IsSupported) features.Add("fma");
        if (Sse3.IsSupported) features.Add("sse3");
        if (AdvSimd.IsSupported) features.Add("advsimd");
        string width = Selected == VectorWidth.Scalar ? "scalar" : ((int)Selected).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{RuntimeInformation.ProcessArchitecture} {(features.Count > 0 ? string.Join(' ', features) : "no-simd")} -> {width}";
    }

    sealed class Restore(VectorWidth? previous) : IDisposable
    {
        public void Dispose() => t_forced = previous;
    }
}
