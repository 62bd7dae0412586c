using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Encoders;

/// <summary>Bidirectional linear attention against a reference written out token by token (float64).</summary>
public sealed class BidirectionalLinearAttentionTests
{
    [Theory]
    [InlineData(2, 2, true, 7)]
    [InlineData(4, 2, true, 5)]
    [InlineData(2, 1, false, 9)]
    public void The_parallel_form_is_phi_q_times_the_sum_over_every_token(int heads, int kvHeads, bool denominator, int time)
    {
        using var scope = NewDisposeScope();
        const int headDim = 3, batch = 2;
        var geometry = new MixerGeometry(heads, headDim, kvHeads);
        using var mixer = new LinearAttention(geometry, new LinearAttentionOptions { Bidirectional = true, Denominator = denominator, ChunkSize = 4 });
        var generator = new torch.Generator(7);
        var q = randn([batch, heads, time, headDim], ScalarType.Float64, generator: generator);
        var k = randn([batch, kvHeads, time, headDim], ScalarType.Float64, generator: generator);
        var v = randn([batch, kvHeads, time, headDim], ScalarType.Float64, generator: generator);
        var output = mixer.Parallel(q, k, v);

        double[] qs = q.data<double>().ToArray(), ks = k.data<double>().ToArray(), vs = v.data<double>().ToArray(), os = output.data<double>().ToArray();
        static double Phi(double x) => x > 0 ? x + 1 : Math.Exp(x);
        int perKv = heads / kvHeads;
        for (int b = 0; b < batch; b++)
        for (int h = 0; h < heads; h++)
        for (int i = 0; i < time; i++)
        {
            int g = h / perKv;
            var numerator = new double[headDim];
            double z = 0;
            for (int j = 0; j < time; j++)
            {
                double weight = 0;
                for (int e = 0; e < headDim; e++)
                    weight += Phi(qs[((b * heads + h) * time + i) * headDim + e]) * Phi(ks[((b * kvHeads + g) * time + j) * headDim + e]);
                for (int e = 0; e < headDim; e++) numerator[e] += weight * vs[((b * kvHeads + g) * time + j) * headDim + e];
                z += weight;
            }
            for (int e = 0; e < headDim; e++)
            {
                double expected = denominator ? numerator[e] / (z + 1e-6) : numerator[e];
                os[((b * heads + h) * time + i) * headDim + e].Should().BeApproximately(expected, 1e-12 * Math.Max(1, Math.Abs(expected)));
            }
        }
    }

    [Fact]
    public void It_has_only_its_parallel_form()
    {
        using var mixer = new LinearAttention(new MixerGeometry(2, 4, 2), new LinearAttentionOptions { Bidirectional = true });
        mixer.NonCausalSettings.Should().Be("Bidirectional = true");
        var create = () => mixer.CreateState(1, ScalarType.Float64);
        create.Should().Throw<NotSupportedException>().WithMessage("*Bidirectional = true*");
    }
}
