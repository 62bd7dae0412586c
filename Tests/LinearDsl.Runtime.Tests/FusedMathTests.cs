using System.Runtime.Intrinsics;
using LinearDsl.Runtime.Fused;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// The managed kernels of the decode programs against a float64 loop at every vector width this CPU runs (forced
/// one at a time: 512, 256, 128 bits and scalar), in float32 and float64: every token count a register block can
/// leave over (1 to 11 rows), input widths the vectors take whole, with a scalar tail, or narrower than a vector,
/// output counts that are not multiples of four, with bias and accumulation.
/// </summary>
public sealed class FusedMathTests
{
    static readonly (int Inputs, int Outputs)[] LinearShapes = [(16, 4), (64, 13), (48, 9), (20, 7), (13, 6), (8, 5), (3, 4)];

    public static TheoryData<VectorWidth, int, int> LinearCases()
    {
        var data = new TheoryData<VectorWidth, int, int>();
        foreach (var width in KernelWidths.Available())
            foreach (var (inputs, outputs) in LinearShapes) data.Add(width, inputs, outputs);
        return data;
    }

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void Linear_matches_a_float64_loop(VectorWidth width, int inputs, int outputs)
    {
        using var forced = FusedIsa.Force(width);
        FusedIsa.Width.Should().Be(width);
        var random = new Random(inputs * 100 + outputs);
        double[] weight = Values(random, inputs * outputs, -0.5);
        double[] bias = Values(random, outputs, 0);
        for (int rows = 1; rows <= 11; rows++)
        {
            double[] x = Values(random, rows * inputs, -0.5);
            double[] start = Values(random, rows * outputs, 0);
            foreach (bool withBias in new[] { false, true })
            {
                foreach (bool accumulate in new[] { false, true })
                {
                    var single = start.Select(v => (float)v).ToArray();
                    FusedMath.Linear<float>(rows, Single(x), Single(weight), withBias ? Single(bias) : default, single, accumulate);
                    var wide = (double[])start.Clone();
                    FusedMath.Linear<double>(rows, x, weight, withBias ? bias : default, wide, accumulate);
                    for (int t = 0; t < rows; t++)
                    {
                        for (int o = 0; o < outputs; o++)
                        {
                            string because = $"rows {rows}, token {t}, output {o}, bias {withBias}, accumulate {accumulate}";
                            double expected = (accumulate ? start[t * outputs + o] : 0) + (withBias ? bias[o] : 0);
                            double expectedSingle = (accumulate ? (float)start[t * outputs + o] : 0) + (withBias ? (float)bias[o] : 0);
                            for (int i = 0; i < inputs; i++)
                            {
                                expected += weight[o * inputs + i] * x[t * inputs + i];
                                expectedSingle += (double)(float)weight[o * inputs + i] * (float)x[t * inputs + i];
                            }
                            wide[t * outputs + o].Should().BeApproximately(expected, 1e-13, because);
                            single[t * outputs + o].Should().BeApproximately((float)expectedSingle, 1e-5f, because);
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

    public static TheoryData<VectorWidth, int, int> WeightedRowCases()
    {
        var data = new TheoryData<VectorWidth, int, int>();
        foreach (var width in KernelWidths.Available())
        {
            // Blocks of four vectors, then single vectors, then a scalar tail, at every width; and narrower than one vector.
            foreach (var (d, n) in new[] { (64, 1), (64, 37), (128, 5), (80, 9), (72, 3), (8, 4), (3, 6) }) data.Add(width, d, n);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WeightedRowCases))]
    public void AddWeightedRows_matches_a_float64_loop(VectorWidth width, int d, int count)
    {
        using var forced = FusedIsa.Force(width);
        var random = new Random(d * 100 + count);
        double[] weights = Values(random, count, -0.5);
        double[] rows = Values(random, count * d + 3, -0.5);   // longer than needed: only n rows are read
        double[] start = Values(random, d, 0);
        var single = start.Select(v => (float)v).ToArray();
        FusedMath.AddWeightedRows<float>(Single(weights), Single(rows), single);
        var wide = (double[])start.Clone();
        FusedMath.AddWeightedRows<double>(weights, rows, wide);
        for (int c = 0; c < d; c++)
        {
            double expected = start[c], expectedSingle = (float)start[c];
            for (int i = 0; i < count; i++)
            {
                expected += weights[i] * rows[i * d + c];
                expectedSingle += (double)(float)weights[i] * (float)rows[i * d + c];
            }
            single[c].Should().BeApproximately((float)expectedSingle, 1e-5f, $"float32 output {c}");
            wide[c].Should().BeApproximately(expected, 1e-13, $"float64 output {c}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Dot_and_the_norms_match_a_float64_loop(VectorWidth width)
    {
        using var forced = FusedIsa.Force(width);
        var random = new Random(7);
        foreach (int n in new[] { 1, 3, 8, 20, 64, 77 })
        {
            double[] a = Values(random, n, -0.5), b = Values(random, n, -0.5), weight = Values(random, n, 0.5);
            FusedMath.Dot<double>(a, b).Should().BeApproximately(a.Zip(b, (p, q) => p * q).Sum(), 1e-13, $"dot of {n}");
            var y = new double[n];
            FusedMath.RmsNorm<double>(1, a, weight, 1e-5, y);
            double scale = 1 / Math.Sqrt(a.Sum(v => v * v) / n + 1e-5);
            for (int i = 0; i < n; i++) y[i].Should().BeApproximately(a[i] * scale * weight[i], 1e-13, $"RMSNorm of {n}, element {i}");
        }
    }

    [Fact]
    public void Each_width_runs_its_own_kernel_and_the_choice_stays_on_the_forcing_thread()
    {
        FusedIsa.Selected.Should().Be(Vector512.IsHardwareAccelerated ? VectorWidth.W512
            : Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? VectorWidth.W256
            : Vector128.IsHardwareAccelerated ? VectorWidth.W128 : VectorWidth.Scalar);
        FusedIsa.Description.Should().Contain(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString())
            .And.EndWith(FusedIsa.Selected == VectorWidth.Scalar ? "-> scalar" : $"-> {(int)FusedIsa.Selected}");
        LinearDsl.Runtime.Diagnostics.RunInfo.Isa.Should().Be(FusedIsa.Description, "benchmark rows record the width the kernels run at");
        // Summation orders differ between widths, so float32 results differ in their last bits when the switch works.
        var random = new Random(3);
        float[] x = Single(Values(random, 5 * 96, -0.5)), weight = Single(Values(random, 96 * 8, -0.5));
        var results = new List<float[]>();
        foreach (var width in KernelWidths.Available())
        {
            using var forced = FusedIsa.Force(width);
            var y = new float[5 * 8];
            FusedMath.Linear<float>(5, x, weight, default, y, accumulate: false);
            results.Add(y);
            VectorWidth elsewhere = default;
            var thread = new Thread(() => elsewhere = FusedIsa.Width);
            thread.Start();
            thread.Join();
            elsewhere.Should().Be(FusedIsa.Selected, "another thread keeps the selected width");
        }
        FusedIsa.Width.Should().Be(FusedIsa.Selected, "disposing restores the width");
        results.Select(r => string.Join(',', r.Select(BitConverter.SingleToInt32Bits))).Distinct().Count().Should().Be(results.Count);
    }

    static double[] Values(Random random, int count, double shift) => Enumerable.Range(0, count).Select(_ => random.NextDouble() + shift).ToArray();

    static float[] Single(double[] values) => values.Select(v => (float)v).ToArray();
}
