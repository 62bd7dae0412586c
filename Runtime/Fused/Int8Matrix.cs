using System.Numerics;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// A projection weight [outputs, inputs] in <see cref="Int8Blocks"/> form: int8 values row-major with each row
/// padded to whole blocks (<see cref="Stride"/>), and a float scale per block of each row.
/// </summary>
internal sealed class Int8Matrix
{
    Int8Matrix(int outputs, int inputs, sbyte[] values, float[] scales)
    {
        Outputs = outputs;
        Inputs = inputs;
        Values = values;
        Scales = scales;
    }

    /// <summary>Rows (outputs of the projection).</summary>
    public int Outputs { get; }

    /// <summary>Columns (inputs of the projection).</summary>
    public int Inputs { get; }

    /// <summary>Blocks per row.</summary>
    public int Blocks => Int8Blocks.Count(Inputs);

    /// <summary>Values per stored row: whole blocks.</summary>
    public int Stride => Blocks * Int8Blocks.Size;

    /// <summary>[outputs, stride] int8 values, the padding zero.</summary>
    public sbyte[] Values { get; }

    /// <summary>[outputs, blocks] scales.</summary>
    public float[] Scales { get; }

    /// <summary>Quantizes a row-major weight [outputs, inputs].</summary>
    public static Int8Matrix Quantize<T>(ReadOnlySpan<T> weight, int outputs, int inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSize(weight.Length, outputs, inputs);
        var matrix = Allocate(outputs, inputs);
        int stride = matrix.Stride, blocks = matrix.Blocks;
        for (int o = 0; o < outputs; o++)
            Int8Blocks.QuantizeRow(weight.Slice(o * inputs, inputs), matrix.Values.AsSpan(o * stride, stride), matrix.Scales.AsSpan(o * blocks, blocks));
        return matrix;
    }

    /// <summary>A matrix from stored values [outputs, inputs] (unpadded) and scales [outputs, blocks].</summary>
    public static Int8Matrix FromStored(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, int outputs, int inputs)
    {
        CheckSize(values.Length, outputs, inputs);
        var matrix = Allocate(outputs, inputs);
        int stride = matrix.Stride, blocks = matrix.Blocks;
        if (scales.Length != (long)outputs * blocks)
            throw new ArgumentException($"A [{outputs}, {inputs}] int8 weight needs {(long)outputs * blocks} block scales, got {scales.Length}.", nameof(scales));
        foreach (float scale in scales)
        {
            if (!float.IsFinite(scale) || scale < 0) throw new ArgumentException($"An int8 block scale must be finite and non-negative, got {scale}.", nameof(scales));
        }
        for (int o = 0; o < outputs; o++) values.Slice(o * inputs, inputs).CopyTo(matrix.Values.AsSpan(o * stride));
        scales.CopyTo(matrix.Scales);
        return matrix;
    }

    /// <summary>The values without padding, [outputs, inputs] row-major (for saving).</summary>
    public void CopyValuesTo(Span<sbyte> values)
    {
        CheckSize(values.Length, Outputs, Inputs);
        for (int o = 0; o < Outputs; o++) Values.AsSpan(o * Stride, Inputs).CopyTo(values.Slice(o * Inputs));
    }

    /// <summary>The weight this matrix stands for, d q, row-major [outputs, inputs].</summary>
    public void Dequantize<T>(Span<T> weight) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSize(weight.Length, Outputs, Inputs);
        for (int o = 0; o < Outputs; o++)
            Int8Blocks.DequantizeRow<T>(Values.AsSpan(o * Stride, Inputs), Scales.AsSpan(o * Blocks, Blocks), weight.Slice(o * Inputs, Inputs));
    }

    static Int8Matrix Allocate(int outputs, int inputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        int blocks = Int8Blocks.Count(inputs);
        return new Int8Matrix(outputs, inputs, new sbyte[checked(outputs * blocks * Int8Blocks.Size)], new float[checked(outputs * blocks)]);
    }

    static void CheckSize(int length, int outputs, int inputs)
    {
        if (length != (long)outputs * inputs)
            throw new ArgumentException($"A [{outputs}, {inputs}] weight has {(long)outputs * inputs} values, got {length}.");
    }
}
