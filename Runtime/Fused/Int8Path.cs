using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The instructions behind the int8 dot products of <see cref="Int8Kernels"/>. .NET 10 exposes VNNI only as the
/// 256-bit VEX form (<see cref="AvxVnni"/>); the 512-bit VPDPBUSD has no managed intrinsic, so AVX-512 machines run
/// VPMADDUBSW + VPMADDWD on 512-bit registers (two blocks of 32 per register).
/// </summary>
internal enum Int8Path
{
    /// <summary>Integer loops: the reference every vector path is checked against.</summary>
    Scalar = 0,

    /// <summary>Portable 128-bit vectors (widening multiplies): ARM64 AdvSimd, or SSE.</summary>
    Vector128 = 1,

    /// <summary>AVX2: VPMADDUBSW then VPMADDWD, one block of 32 per register.</summary>
    Avx2 = 2,

    /// <summary>AVX-VNNI: VPDPBUSD on 256-bit registers, one block of 32 per register.</summary>
    AvxVnni = 3,

    /// <summary>AVX-512BW: VPMADDUBSW then VPMADDWD on 512-bit registers, two blocks per register.</summary>
    Avx512 = 4,
}

/// <summary>Which <see cref="Int8Path"/> runs: the best the CPU has, chosen once; tests force others on their own thread.</summary>
internal static class Int8Isa
{
    [ThreadStatic] static Int8Path? t_forced;

    /// <summary>The best path this CPU runs.</summary>
    public static Int8Path Selected { get; } = Detect();

    /// <summary>The path on this thread: <see cref="Selected"/> unless a test forced another.</summary>
    public static Int8Path Path => t_forced ?? Selected;

    /// <summary>Whether this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.Scalar => true,
        Int8Path.Vector128 => Vector128.IsHardwareAccelerated,
        Int8Path.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        Int8Path.AvxVnni => AvxVnni.IsSupported && Fma.IsSupported,
        Int8Path.Avx512 => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>Makes this thread's int8 kernels run <paramref name="path"/> until disposed (tests); refuses a path the CPU lacks.</summary>
    internal static IDisposable Force(Int8Path path)
    {
        if (!IsSupported(path)) throw new ArgumentOutOfRangeException(nameof(path), path, "This CPU cannot run that int8 path.");
        var previous = t_forced;
        t_forced = path;
        return new Restore(previous);
    }

    static Int8Path Detect()
    {
        foreach (var path in new[] { Int8Path.Avx512, Int8Path.AvxVnni, Int8Path.Avx2, Int8Path.Vector128 })
        {
            if (IsSupported(path)) return path;
        }
        return Int8Path.Scalar;
    }

    sealed class Restore(Int8Path? previous) : IDisposable
    {
        public void Dispose() => t_forced = previous;
    }
}
