using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime;

/// <summary>
/// A tensor's memory as a span, read and written in place by the managed kernels. It refuses what would make the span
/// wrong: another element type (reinterpreted bytes), a non-contiguous layout (elements out of order) and memory that
/// is not on the CPU.
/// </summary>
internal static class TensorMemory
{
    /// <summary>The elements of <paramref name="tensor"/> in row-major order; it must be a contiguous CPU tensor of type <typeparamref name="T"/>.</summary>
    public static Span<T> Span<T>(Tensor tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var expected = ScalarTypeOf<T>();
        if (tensor.dtype != expected)
            throw new ArgumentException($"The tensor holds {tensor.dtype}, not {expected}; read it as its own type or convert it first.", nameof(tensor));
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException($"The tensor is on {tensor.device}, not on the CPU; copy it to the CPU first.", nameof(tensor));
        if (!tensor.is_contiguous())
            throw new ArgumentException("The tensor is not contiguous, so its memory is not in element order; call contiguous() first.", nameof(tensor));
        return MemoryMarshal.Cast<byte, T>(tensor.bytes);
    }

    static ScalarType ScalarTypeOf<T>() where T : unmanaged
        => typeof(T) == typeof(float) ? ScalarType.Float32
            : typeof(T) == typeof(double) ? ScalarType.Float64
            : typeof(T) == typeof(Half) ? ScalarType.Float16
            : typeof(T) == typeof(long) ? ScalarType.Int64
            : typeof(T) == typeof(int) ? ScalarType.Int32
            : throw new NotSupportedException($"No tensor element type for {typeof(T).Name}.");
}
