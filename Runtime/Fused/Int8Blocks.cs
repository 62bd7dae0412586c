using System.Numerics;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// Block-wise symmetric int8 quantization, llama.cpp's Q8_0 rule: each block of <see cref="Size"/> values along a
/// row gets scale d = max|x| / 127 (a float) and values q = round(x / d) in [-127, 127], so x ≈ d q. Weights and
/// activations use the same rule; a row whose length is not a multiple of the block ends with a short block, padded
/// with zeros in memory so the kernels always read whole blocks.
/// </summary>
internal static class Int8Blocks
{
    /// <summary>Values per block (Q8_0's).</summary>
    public const int Size = 32;

    /// <summary>Blocks of a row of <paramref name="length"/> values (the last may be short).</summary>
    public static int Count(int length) => (length + Size - 1) / Size;

    /// <summary>
    /// Quantizes one row: <paramref name="values"/> (stride <see cref="Count"/> x <see cref="Size"/>, the padding
    /// zeroed) and one scale per block.
    /// </summary>
    public static void QuantizeRow<T>(ReadOnlySpan<T> row, Span<sbyte> values, Span<float> scales) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = Count(row.Length);
        for (int b = 0; b < blocks; b++)
        {
            int start = b * Size, length = Math.Min(Size, row.Length - start);
            var block = row.Slice(start, length);
            T max = T.Zero;
            foreach (var value in block) max = T.Max(max, T.Abs(value));
            float scale = float.CreateChecked(max) / 127f;
            if (!float.IsFinite(scale)) throw new ArgumentException("Only finite values can be quantized to int8.", nameof(row));
            scales[b] = scale;
            var q = values.Slice(start, Size);
            if (scale == 0f)
            {
                q.Clear();
                continue;
            }
            float inverse = 1f / scale;
            for (int i = 0; i < length; i++)
                q[i] = (sbyte)Math.Clamp(MathF.Round(float.CreateChecked(block[i]) * inverse, MidpointRounding.AwayFromZero), -127f, 127f);
            q.Slice(length).Clear();
        }
    }

    /// <summary>x = d q for one row of <paramref name="row"/>.Length values.</summary>
    public static void DequantizeRow<T>(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, Span<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < row.Length; i++) row[i] = T.CreateChecked(scales[i / Size]) * T.CreateChecked(values[i]);
    }
}
