using LinearDsl.Runtime.Fused;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// The managed projections of the generated decode programs against a float64 loop, for every token count a
/// register block can leave over (1 to 11 rows), widths the AVX-512 kernel takes whole (multiples of 16), with a
/// scalar tail, or leaves to the portable path, output counts that are not multiples of four, with bias and
/// accumulation.
/// </summary>
public sealed class FusedMathTests
{
    [Theory]
    [InlineData(16, 4)]
    [InlineData(32, 13)]
    [InlineData(48, 9)]
    [InlineData(20, 7)]     // not a multiple of 16: a scalar tail after the vectors
    [InlineData(8, 5)]      // narrower than a vector: the portable path
    public void Linear_matches_a_float64_loop(int inputs, int outputs)
    {
        var random = new Random(inputs * 100 + outputs);
        float[] weight = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble()).ToArray();
        for (int rows = 1; rows <= 11; rows++)
        {
            float[] x = Enumerable.Range(0, rows * inputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            float[] start = Enumerable.Range(0, rows * outputs).Select(_ => (float)random.NextDouble()).ToArray();
            foreach (bool withBias in new[] { false, true })
            {
                foreach (bool accumulate in new[] { false, true })
                {
                    var y = (float[])start.Clone();
                    FusedMath.Linear<float>(rows, x, weight, withBias ? bias : default, y, accumulate);
                    for (int t = 0; t < rows; t++)
                    {
                        for (int o = 0; o < outputs; o++)
                        {
                            double expected = (accumulate ? start[t * outputs + o] : 0) + (withBias ? bias[o] : 0);
                            for (int i = 0; i < inputs; i++) expected += (double)weight[o * inputs + i] * x[t * inputs + i];
                            y[t * outputs + o].Should().BeApproximately((float)expected, 1e-5f, $"rows {rows}, token {t}, output {o}, bias {withBias}, accumulate {accumulate}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Linear_refuses_a_weight_of_the_wrong_size()
    {
        var act = () => FusedMath.Linear<double>(1, new double[4], new double[7], default, new double[2], accumulate: false);
        act.Should().Throw<ArgumentException>().WithMessage("*[2, 4] projection needs 8 weights, got 7*");
    }

    [Theory]
    [InlineData(64, 1)]
    [InlineData(64, 37)]
    [InlineData(128, 5)]
    [InlineData(80, 9)]     // one block of 64, then one vector of 16
    [InlineData(72, 3)]     // 64, then a scalar tail of 8
    [InlineData(8, 4)]      // narrower than a vector: scalar only
    public void AddWeightedRows_matches_a_float64_loop(int width, int count)
    {
        var random = new Random(width * 100 + count);
        float[] weights = Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] rows = Enumerable.Range(0, count * width + 3).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();   // longer than needed: only n rows are read
        float[] start = Enumerable.Range(0, width).Select(_ => (float)random.NextDouble()).ToArray();
        var single = (float[])start.Clone();
        FusedMath.AddWeightedRows<float>(weights, rows, single);
        var wide = start.Select(v => (double)v).ToArray();
        FusedMath.AddWeightedRows<double>(weights.Select(v => (double)v).ToArray(), rows.Select(v => (double)v).ToArray(), wide);
        for (int c = 0; c < width; c++)
        {
            double expected = start[c];
            for (int i = 0; i < count; i++) expected += (double)weights[i] * rows[i * width + c];
            single[c].Should().BeApproximately((float)expected, 1e-5f, $"float32 output {c}");
            wide[c].Should().BeApproximately(expected, 1e-12, $"float64 output {c}");
        }
    }

    [Fact]
    public void AddWeightedRows_refuses_too_few_rows()
    {
        var act = () => FusedMath.AddWeightedRows<double>(new double[3], new double[5], new double[2]);
        act.Should().Throw<ArgumentException>().WithMessage("*3 rows of 2 need 6 values, got 5*");
    }
}
