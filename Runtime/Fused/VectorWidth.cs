namespace LinearDsl.Runtime.Fused;

/// <summary>The vector width the fused decode kernels run at (<see cref="FusedIsa"/> picks it at start-up).</summary>
internal enum VectorWidth
{
    /// <summary>One value at a time: the portable fallback where the CPU has no usable vector unit.</summary>
    Scalar = 0,

    /// <summary>128-bit vectors: ARM64 AdvSimd, or SSE on x64 without AVX2 and FMA.</summary>
    W128 = 128,

    /// <summary>256-bit vectors with fused multiply-add: AVX2 + FMA.</summary>
    W256 = 256,

    /// <summary>512-bit vectors: AVX-512.</summary>
    W512 = 512,
}
