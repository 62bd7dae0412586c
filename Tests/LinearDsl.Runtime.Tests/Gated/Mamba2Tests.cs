using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>Mamba-2 SSD (attention form): the shared gated-kind tests, and its initial dt and A ranges.</summary>
public sealed class Mamba2Tests : GatedRecurrenceKindTests
{
    /// <inheritdoc />
    protected override TokenMixer Create(MixerGeometry geometry, int chunk, bool outputNorm)
        => new Mamba2Attention(geometry, new Mamba2Options { ChunkSize = chunk, OutputNorm = outputNorm });

    /// <inheritdoc />
    protected override MixerOptions Options => new Mamba2Options { ChunkSize = 4 };

    /// <inheritdoc />
    protected override IEnumerable<Tensor> GateParameters(TokenMixer mixer)
    {
        var m = (Mamba2Attention)mixer;
        return [m.DtWeight, m.DtBias, m.ALog];
    }

    [Fact]
    public void Initial_dt_spans_a_thousandth_to_a_tenth_and_A_one_to_sixteen()
    {
        using var scope = NewDisposeScope();
        using var mixer = new Mamba2Attention(new MixerGeometry(4, 8));
        var dt = nn.functional.softplus(mixer.DtBias.to_type(ScalarType.Float64));
        dt[0].item<double>().Should().BeApproximately(0.001, 1e-6);
        dt[3].item<double>().Should().BeApproximately(0.1, 1e-6);
        mixer.ALog.exp()[0].item<float>().Should().BeApproximately(1f, 1e-6f);
        mixer.ALog.exp()[3].item<float>().Should().BeApproximately(16f, 1e-4f);
        mixer.DtWeight.abs().max().item<float>().Should().Be(0);
    }
}
