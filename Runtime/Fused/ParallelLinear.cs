using System.Buffers;
using System.Numerics;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// y = x W^T (+ bias) for the decode programs' projections, split by output rows across
/// <see cref="FusedWorkers.Shared"/> when it is large enough (<see cref="FusedDecoding.ParallelThreshold"/>). Part i
/// computes a contiguous range of outputs whose bounds are multiples of the kernel's four-row block (the last part
/// also takes the rows past the last block), with the caller's vector width, so every output is computed by the
/// same code in the same order as on one thread: the result is bit-identical for any number of threads.
/// </summary>
internal static class ParallelLinear
{
    /// <summary>Rows the kernel blocks by; a part boundary must be a multiple of it.</summary>
    internal const int Block = 4;

    public static void Linear<T>(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inputs = x.Length / rows, outputs = y.Length / rows;
        if (weight.Length != inputs * outputs)
            throw new ArgumentException($"A [{outputs}, {inputs}] projection needs {inputs * outputs} weights, got {weight.Length}.", nameof(weight));
        if (!bias.IsEmpty && bias.Length != outputs)
            throw new ArgumentException($"A projection to {outputs} outputs needs {outputs} biases, got {bias.Length}.", nameof(bias));
        int parts = Math.Min(FusedDecoding.EffectiveThreads, outputs / Block);
        if (parts < 2 || (long)rows * outputs * inputs < FusedDecoding.ParallelThreshold || !Split(rows, x, weight, bias, y, accumulate, parts))
            SimdKernels.Linear(rows, x, weight, bias, y, accumulate);
    }

    /// <summary>
    /// y = x W^T (+ bias) for an int8 weight: each row of x is quantized by the weight's block rule first
    /// (<see cref="Int8Kernels"/>), then the outputs are split across threads as for float weights.
    /// </summary>
    public static void Linear<T>(int rows, ReadOnlySpan<T> x, Int8Matrix weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inputs = weight.Inputs, outputs = weight.Outputs, stride = weight.Stride, blocks = weight.Blocks;
        if (x.Length != rows * inputs || y.Length != rows * outputs)
            throw new ArgumentException($"A [{outputs}, {inputs}] projection of {rows} rows needs {rows * inputs} inputs and {rows * outputs} outputs, got {x.Length} and {y.Length}.", nameof(x));
        if (!bias.IsEmpty && bias.Length != outputs)
            throw new ArgumentException($"A projection to {outputs} outputs needs {outputs} biases, got {bias.Length}.", nameof(bias));
        var values = ArrayPool<sbyte>.Shared.Rent(rows * stride);
        var scales = ArrayPool<float>.Shared.Rent(rows * blocks);
        try
        {
            for (int r = 0; r < rows; r++)
                Int8Blocks.QuantizeRow(x.Slice(r * inputs, inputs), values.AsSpan(r * stride, stride), scales.AsSpan(r * blocks, blocks));
            var quantized = values.AsSpan(0, rows * stride);
            var scaled = scales.AsSpan(0, rows * blocks);
            var path = Int8Isa.Path;
            int parts = Math.Min(FusedDecoding.EffectiveThreads, outputs / Block);
            if (parts < 2 || (long)rows * outputs * inputs < FusedDecoding.ParallelThreshold || !Split(rows, quantized, scaled, weight, bias, y, accumulate, parts, path))
                Int8Kernels.Linear(path, rows, quantized, scaled, weight, bias, y, accumulate, 0, outputs);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scales);
            ArrayPool<sbyte>.Shared.Return(values);
        }
    }

    /// <summary>Outputs [first, end) of part <paramref name="part"/> of <paramref name="parts"/>: block-aligned, near-equal.</summary>
    internal static (int First, int End) Range(int part, int parts, int outputs)
    {
        int blocks = outputs / Block;
        int first = Block * (int)((long)blocks * part / parts);
        int end = part == parts - 1 ? outputs : Block * (int)((long)blocks * (part + 1) / parts);
        return (first, end);
    }

    static unsafe bool Split<T>(int rows, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate, int parts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var job = Job<T>.ForThisThread;
        // Pinned for the whole call: the pool returns only after every part is done.
        fixed (T* xp = x, wp = weight, bp = bias, yp = y)
        {
            job.Set(rows, xp, x.Length, wp, weight.Length, bp, bias.Length, yp, y.Length, accumulate, FusedIsa.For<T>());
            try
            {
                if (!FusedWorkers.Shared.TryRun(job, parts)) return false;
            }
            finally
            {
                job.Clear();
            }
        }
        FusedDecoding.t_parallelProjections++;
        return true;
    }

    static unsafe bool Split<T>(int rows, ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, Int8Matrix weight, ReadOnlySpan<T> bias, Span<T> y,
        bool accumulate, int parts, Int8Path path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var job = Int8Job<T>.ForThisThread;
        fixed (sbyte* xp = values)
        fixed (float* sp = scales)
        fixed (T* bp = bias, yp = y)
        {
            job.Set(rows, xp, values.Length, sp, scales.Length, weight, bp, bias.Length, yp, y.Length, accumulate, path);
            try
            {
                if (!FusedWorkers.Shared.TryRun(job, parts)) return false;
            }
            finally
            {
                job.Clear();
            }
        }
        FusedDecoding.t_parallelProjections++;
        return true;
    }

    /// <summary>An int8 projection's operands as pointers; one instance per calling thread, reused for every call.</summary>
    sealed unsafe class Int8Job<T> : IFusedJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] static Int8Job<T>? t_job;

        sbyte* _x;
        float* _scales;
        T* _bias, _y;
        Int8Matrix? _weight;
        int _rows, _xLength, _scalesLength, _biasLength, _yLength;
        bool _accumulate;
        Int8Path _path;

        public static Int8Job<T> ForThisThread => t_job ??= new Int8Job<T>();

        public void Set(int rows, sbyte* x, int xLength, float* scales, int scalesLength, Int8Matrix weight, T* bias, int biasLength, T* y, int yLength,
            bool accumulate, Int8Path path)
        {
            _rows = rows;
            _x = x;
            _xLength = xLength;
            _scales = scales;
            _scalesLength = scalesLength;
            _weight = weight;
            _bias = bias;
            _biasLength = biasLength;
            _y = y;
            _yLength = yLength;
            _accumulate = accumulate;
            _path = path;
        }

        public void Clear()
        {
            _x = null;
            _scales = null;
            _bias = _y = null;
            _weight = null;
        }

        public void Run(int part, int parts)
        {
            var weight = _weight!;
            var (first, end) = Range(part, parts, weight.Outputs);
            Int8Kernels.Linear(_path, _rows, new ReadOnlySpan<sbyte>(_x, _xLength), new ReadOnlySpan<float>(_scales, _scalesLength), weight,
                new ReadOnlySpan<T>(_bias, _biasLength), new Span<T>(_y, _yLength), _accumulate, first, end);
        }
    }

    /// <summary>One projection's operands as pointers; one instance per calling thread, reused for every call.</summary>
    sealed unsafe class Job<T> : IFusedJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] static Job<T>? t_job;

        T* _x, _weight, _bias, _y;
        int _rows, _xLength, _weightLength, _biasLength, _yLength;
        bool _accumulate;
        VectorWidth _width;

        public static Job<T> ForThisThread => t_job ??= new Job<T>();

        public void Set(int rows, T* x, int xLength, T* weight, int weightLength, T* bias, int biasLength, T* y, int yLength, bool accumulate, VectorWidth width)
        {
            _rows = rows;
            _x = x;
            _xLength = xLength;
            _weight = weight;
            _weightLength = weightLength;
            _bias = bias;
            _biasLength = biasLength;
            _y = y;
            _yLength = yLength;
            _accumulate = accumulate;
            _width = width;
        }

        public void Clear()
        {
            _x = _weight = _bias = _y = null;
        }

        public void Run(int part, int parts)
        {
            var (first, end) = Range(part, parts, _yLength / _rows);
            SimdKernels.Linear(_width, _rows, new ReadOnlySpan<T>(_x, _xLength), new ReadOnlySpan<T>(_weight, _weightLength),
                new ReadOnlySpan<T>(_bias, _biasLength), new Span<T>(_y, _yLength), _accumulate, first, end);
        }
    }
}
