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
}
