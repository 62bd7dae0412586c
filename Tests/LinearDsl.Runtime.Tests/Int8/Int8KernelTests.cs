using LinearDsl.Runtime.Fused;

namespace LinearDsl.Runtime.Tests.Int8;

/// <summary>
/// The int8 kernels at every path the CPU runs against the scalar reference: integer block dot products exactly
/// equal (scales of one make the float result an exact integer), scaled sums and whole projections within float32
/// rounding of a float64 reference, for rows that end in a short block; and the Q8_0 rule itself.
/// </summary>
public sealed class Int8KernelTests
{
    /// <summary>Blocks per row: one, an odd count (the 512-bit path's 256-bit tail), and more.</summary>
    static readonly int[] BlockCounts = [1, 2, 3, 8, 9];

    [Theory]
    [MemberData(nameof(Int8Paths.All), MemberType = typeof(Int8Paths))]
    public void Integer_dot_products_equal_the_scalar_sum_exactly(string name)
    {
        var path = Int8Paths.Parse(name);
        var random = new Random(3);
        foreach (int blocks in BlockCounts)
        {
            for (int trial = 0; trial < 20; trial++)
            {
                // Weights may hold -128 (a stored file could), activations never do (the rule stops at ±127).
                var w = Bytes(random, blocks * 32, trial == 0 ? (sbyte)-128 : (sbyte)-127);
                var x = Bytes(random, blocks * 32, -127);
                if (trial == 1) { Array.Fill(w, (sbyte)-128); Array.Fill(x, (sbyte)127); }
                if (trial == 2) { Array.Fill(w, (sbyte)127); Array.Fill(x, (sbyte)-127); }
                var ones = Enumerable.Repeat(1f, blocks).ToArray();
                long expected = 0;
                for (int i = 0; i < w.Length; i++) expected += w[i] * x[i];
                float actual = Int8Kernels.Dot(path, ref w[0], ref ones[0], ref x[0], ref ones[0], blocks);
                ((double)actual).Should().Be(expected, $"{blocks} blocks, trial {trial}");
                for (int b = 0; b < blocks; b++)
                {
                    long block = 0;
                    for (int i = b * 32; i < (b + 1) * 32; i++) block += w[i] * x[i];
                    Int8Kernels.BlockDotScalar(ref w[b * 32], ref x[b * 32]).Should().Be((int)block);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Int8Paths.All), MemberType = typeof(Int8Paths))]
    public void Scaled_dot_products_match_a_float64_reference_to_float32_rounding(string name)
    {
        var path = Int8Paths.Parse(name);
        var random = new Random(5);
        foreach (int blocks in BlockCounts)
        {
            var w = Bytes(random, blocks * 32, -127);
            var x = Bytes(random, blocks * 32, -127);
            var wd = Enumerable.Range(0, blocks).Select(_ => (float)random.NextDouble() * 0.01f).ToArray();
            var xd = Enumerable.Range(0, blocks).Select(_ => (float)random.NextDouble() * 0.1f).ToArray();
            double expected = 0, magnitude = 0;
            for (int b = 0; b < blocks; b++)
            {
                long sum = 0;
                for (int i = b * 32; i < (b + 1) * 32; i++) sum += w[i] * x[i];
                double scale = wd[b] * xd[b];
                expected += sum * scale;
                magnitude += Math.Abs(sum * scale);
            }
            float actual = Int8Kernels.Dot(path, ref w[0], ref wd[0], ref x[0], ref xd[0], blocks);
            Math.Abs(actual - expected).Should().BeLessThan(1e-6 * magnitude + 1e-30, $"{blocks} blocks");
        }
    }

    [Theory]
    [MemberData(nameof(Int8Paths.All), MemberType = typeof(Int8Paths))]
    public void A_projection_equals_the_quantized_reference_in_float32_and_float64(string name)
    {
        var path = Int8Paths.Parse(name);
        const int Rows = 6, Inputs = 45, Outputs = 13;
        var random = new Random(7);
        var weight = Enumerable.Range(0, Outputs * Inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var x = Enumerable.Range(0, Rows * Inputs).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var bias = Enumerable.Range(0, Outputs).Select(_ => random.NextDouble()).ToArray();
        var matrix = Int8Matrix.Quantize<double>(weight, Outputs, Inputs);
        var expected = Reference(x, matrix, bias, Rows);
        using var forced = Int8Isa.Force(path);

        var y64 = new double[Rows * Outputs];
        ParallelLinear.Linear<double>(Rows, x, matrix, bias, y64, accumulate: false);
        var y32 = new float[Rows * Outputs];
        ParallelLinear.Linear<float>(Rows, x.Select(v => (float)v).ToArray(), matrix, bias.Select(v => (float)v).ToArray(), y32, accumulate: false);
        var added = Enumerable.Repeat(1.0, Rows * Outputs).ToArray();
        ParallelLinear.Linear<double>(Rows, x, matrix, bias, added, accumulate: true);
        for (int i = 0; i < expected.Length; i++)
        {
            y64[i].Should().BeApproximately(expected[i], 1e-5, $"output {i} (float64)");
            ((double)y32[i]).Should().BeApproximately(expected[i], 1e-4, $"output {i} (float32)");
            added[i].Should().BeApproximately(expected[i] + 1, 1e-5, $"output {i} (accumulated)");
        }
    }

    [Fact]
    public void Quantization_follows_the_q8_0_rule_and_dequantizes_within_half_a_step()
    {
        var random = new Random(11);
        const int Outputs = 5, Inputs = 70;
        var weight = Enumerable.Range(0, Outputs * Inputs).Select(_ => (random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-3, 2))).ToArray();
        weight.AsSpan(Inputs, 32).Clear(); // a zero block of row 1: scale 0, values 0
        var matrix = Int8Matrix.Quantize<double>(weight, Outputs, Inputs);
        matrix.Blocks.Should().Be(3);
        matrix.Stride.Should().Be(96);
        var back = new double[weight.Length];
        matrix.Dequantize<double>(back);
        for (int o = 0; o < Outputs; o++)
        {
            for (int b = 0; b < matrix.Blocks; b++)
            {
                int start = o * Inputs + b * 32, length = Math.Min(32, Inputs - b * 32);
                double max = weight.AsSpan(start, length).ToArray().Max(Math.Abs);
                float scale = matrix.Scales[o * matrix.Blocks + b];
                scale.Should().Be((float)max / 127f);
                for (int i = start; i < start + length; i++) Math.Abs(back[i] - weight[i]).Should().BeLessThanOrEqualTo(scale * 0.5000001);
            }
            // The padding after the short last block is zero.
            matrix.Values.AsSpan(o * matrix.Stride + Inputs, matrix.Stride - Inputs).ToArray().Should().OnlyContain(v => v == 0);
        }
        matrix.Scales[1 * matrix.Blocks].Should().Be(0);
        // Quantizing the dequantized weight gives the same values and scales back (a quantized checkpoint re-quantized is unchanged).
        var again = Int8Matrix.Quantize<double>(back, Outputs, Inputs);
        again.Values.Should().Equal(matrix.Values);
        again.Scales.Should().Equal(matrix.Scales);
        // Stored form round trip.
        var stored = new sbyte[Outputs * Inputs];
        matrix.CopyValuesTo(stored);
        var restored = Int8Matrix.FromStored(stored, matrix.Scales, Outputs, Inputs);
        restored.Values.Should().Equal(matrix.Values);
        restored.Scales.Should().Equal(matrix.Scales);
    }

    [Fact]
    public void Bad_stored_scales_and_non_finite_weights_are_refused()
    {
        var act = () => Int8Matrix.FromStored(new sbyte[64], [1f, float.NaN], 2, 32);
        act.Should().Throw<ArgumentException>().WithMessage("*finite*");
        var wrongCount = () => Int8Matrix.FromStored(new sbyte[64], [1f], 2, 32);
        wrongCount.Should().Throw<ArgumentException>().WithMessage("*2 block scales*");
        var infinite = () => Int8Matrix.Quantize<double>([1, double.PositiveInfinity], 1, 2);
        infinite.Should().Throw<ArgumentException>().WithMessage("*finite*");
    }

    /// <summary>y = x W^T + b with x quantized by the same rule, summed in float64 from the integer block products.</summary>
    static double[] Reference(double[] x, Int8Matrix matrix, double[] bias, int rows)
    {
        int inputs = matrix.Inputs, blocks = matrix.Blocks, stride = matrix.Stride;
        var y = new double[rows * matrix.Outputs];
        var q = new sbyte[stride];
        var d = new float[blocks];
        for (int t = 0; t < rows; t++)
        {
            Int8Blocks.QuantizeRow<double>(x.AsSpan(t * inputs, inputs), q, d);
            for (int o = 0; o < matrix.Outputs; o++)
            {
                double sum = bias[o];
                for (int b = 0; b < blocks; b++)
                {
                    long dot = 0;
                    for (int i = b * 32; i < (b + 1) * 32; i++) dot += matrix.Values[o * stride + i] * q[i];
                    sum += dot * (double)(matrix.Scales[o * blocks + b] * d[b]);
                }
                y[t * matrix.Outputs + o] = sum;
            }
        }
        return y;
    }

    static sbyte[] Bytes(Random random, int count, sbyte min)
    {
        var values = new sbyte[count];
        for (int i = 0; i < count; i++) values[i] = (sbyte)random.Next(min, 128);
        return values;
    }
}
