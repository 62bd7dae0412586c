using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>Gated linear attention: the shared gated-kind tests, and gates so strong that naive cumulative products overflow.</summary>
public sealed class GlaTests : GatedRecurrenceKindTests
{
    /// <inheritdoc />
    protected override TokenMixer Create(MixerGeometry geometry, int chunk, bool outputNorm)
        => new GlaAttention(geometry, new GlaOptions { ChunkSize = chunk, OutputNorm = outputNorm, GateTemperature = 2 });

    /// <inheritdoc />
    protected override MixerOptions Options => new GlaOptions { ChunkSize = 4 };

    /// <inheritdoc />
    protected override IEnumerable<Tensor> GateParameters(TokenMixer mixer) => [((GlaAttention)mixer).GateWeight, ((GlaAttention)mixer).GateBias];

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void Gates_near_zero_stay_finite_and_exact(ScalarType dtype)
    {
        // log a down to about -200 per token: exp(-cumsum) over a chunk of 16 would be exp(3000), far beyond float64.
        using var scope = NewDisposeScope();
        using var mixer = new GlaAttention(new MixerGeometry(2, 4), new GlaOptions { ChunkSize = 16, GateTemperature = 1, OutputNorm = false });
        using (no_grad())
        {
            mixer.GateWeight.copy_(randn(mixer.GateWeight.shape, generator: new torch.Generator(3)).mul(80));
            mixer.GateBias.fill_(-20);
        }
        mixer.to(ScalarType.Float64);
        var generator = new torch.Generator(5);
        var (q, k, v) = (Forms.Randn(generator, 1, 2, 40, 4), Forms.Randn(generator, 1, 2, 40, 4), Forms.Randn(generator, 1, 2, 40, 4));
        var expected = GatedRecurrenceReference.Run(mixer, q, k, v);
        mixer.to(dtype);
        var actual = mixer.Parallel(q.to_type(dtype), k.to_type(dtype), v.to_type(dtype));
        actual.isfinite().all().item<bool>().Should().BeTrue();
        GatedRecurrenceReference.MaxAbsDiff(expected, actual).Should().BeLessThan(dtype == ScalarType.Float64 ? 1e-10 : 1e-4);
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q.to_type(dtype), k.to_type(dtype), v.to_type(dtype)), actual).Should().BeLessThan(dtype == ScalarType.Float64 ? 1e-10 : 1e-4);
    }

    [Fact]
    public void The_initial_gates_do_not_depend_on_the_token_and_start_near_one()
    {
        using var mixer = new GlaAttention(new MixerGeometry(2, 8));
        mixer.GateWeight.abs().max().item<float>().Should().Be(0);
        // sigmoid(b)^(1/16) for b from 0 to 5: from 0.958 to 0.9996.
        var gates = mixer.GateBias.sigmoid().pow(1.0 / 16);
        gates.min().item<float>().Should().BeApproximately(0.958f, 1e-3f);
        gates.max().item<float>().Should().BeGreaterThan(0.9995f);
    }
}
