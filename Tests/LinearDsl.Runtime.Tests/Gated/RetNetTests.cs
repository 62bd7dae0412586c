using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>RetNet retention: the shared gated-kind tests, and its fixed decays.</summary>
public sealed class RetNetTests : GatedRecurrenceKindTests
{
    /// <inheritdoc />
    protected override TokenMixer Create(MixerGeometry geometry, int chunk, bool outputNorm)
        => new RetNetAttention(geometry, new RetNetOptions { ChunkSize = chunk, OutputNorm = outputNorm });

    /// <inheritdoc />
    protected override MixerOptions Options => new RetNetOptions { ChunkSize = 4 };

    /// <inheritdoc />
    protected override IEnumerable<Tensor> GateParameters(TokenMixer mixer) => [];

    [Fact]
    public void Eight_heads_get_RetNets_decays_and_the_mixer_has_no_parameters()
    {
        RetNetAttention.Decays(8).Should().Equal(Enumerable.Range(0, 8).Select(h => 1 - Math.Pow(2, -5 - h)));
        RetNetAttention.Decays(1).Should().Equal(1 - 1.0 / 32);
        using var mixer = new RetNetAttention(new MixerGeometry(8, 4));
        mixer.parameters().Should().BeEmpty();
    }

    [Fact]
    public void A_token_is_remembered_with_weight_gamma_to_the_distance()
    {
        // One head of size 1 without the norm: o_t = q_t sum_s gamma^(t - s) k_s v_s, checked in closed form.
        using var scope = NewDisposeScope();
        using var mixer = new RetNetAttention(new MixerGeometry(1, 1), new RetNetOptions { ChunkSize = 3, OutputNorm = false });
        mixer.to(ScalarType.Float64);
        var ones = torch.ones(1, 1, 10, 1, ScalarType.Float64);
        var v = zeros(1, 1, 10, 1, ScalarType.Float64);
        v[0, 0, 0, 0] = tensor(1.0);
        var output = mixer.Parallel(ones, ones, v);
        double gamma = 1 - 1.0 / 32;
        for (int t = 0; t < 10; t++) output[0, 0, t, 0].item<double>().Should().BeApproximately(Math.Pow(gamma, t), 1e-15);
    }
}
