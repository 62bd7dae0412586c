namespace LinearDsl.Runtime.Fused;

/// <summary>A vector width the fused decode kernels can run at (the widest the CPU runs well is picked at start-up).</summary>
public enum VectorWidth
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
