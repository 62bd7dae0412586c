using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>ModelMemory counts weights in double (no overflow) and ModelFactory refuses a model too large for memory before allocating.</summary>
public sealed class ModelSizeTests
{
    static ModelConfig Config(int vocab = 50, int width = 16, int layers = 2, int hidden = 24, bool tied = false) => new()
    {
        VocabSize = vocab,
        Width = width,
        Layers = layers,
        ContextLength = 32,
        MlpHidden = hidden,
        TieEmbeddings = tied,
        Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_weight_count_is_the_models_parameters_without_norms_and_alpha(bool tied)
    {
        var config = Config(tied: tied);
        using var model = ModelFactory.Create(config);
        long normsAndAlpha = model.named_parameters().Where(p => p.name.Contains("norm") || p.name.EndsWith("alpha")).Sum(p => p.parameter.numel());

        ModelMemory.WeightCount(config).Should().Be(model.parameters().Sum(p => p.numel()) - normsAndAlpha);
    }

    [Theory]
    [MemberData(nameof(Encoders.EncoderCatalog.Seq2SeqNames), MemberType = typeof(Encoders.EncoderCatalog))]
    public void A_seq2seq_count_includes_the_encoder_stack_and_the_cross_attention(string name)
    {
        var config = Encoders.EncoderCatalog.Seq2SeqConfigs[name];
        using var model = ModelFactory.CreateSeq2Seq(config);
        // Norms, alpha and projection biases are not counted (the count is of matrices).
        long normsAndAlpha = model.named_parameters().Where(p => p.name.Contains("norm") || p.name.EndsWith("alpha") || p.name.EndsWith("_proj.bias")).Sum(p => p.parameter.numel());
        // A mixer's own parameters are counted only in part (conv kernels, not gate projections): a lower bound there.
        long mixers = model.named_parameters().Where(p => p.name.Contains(".mixer.")).Sum(p => p.parameter.numel());
        long all = model.parameters().Sum(p => p.numel());

        ModelMemory.WeightCount(config).Should().BeInRange(all - normsAndAlpha - mixers, all - normsAndAlpha);
    }

    [Fact]
    public void Sizes_past_int_range_are_counted_without_overflow()
    {
        ModelMemory.WeightCount(Config(vocab: 2_000_000_000, width: 1_000_000_000, layers: 1_000_000, hidden: 2_000_000_000))
            .Should().BeGreaterThan(1e24);
    }

    [Fact]
    public void A_model_too_large_for_memory_is_refused_with_the_bytes_it_needs()
    {
        FluentActions.Invoking(() => ModelFactory.Create(Config(vocab: 2_000_000_000, width: 1024))).Should().Throw<ModelTooLargeException>()
            .Which.NeededBytes.Should().Be(2.0 * 2_000_000_000 * 1024 * 4 + 2 * (4.0 * 1024 * 1024 + 3 * 1024 * 24 + 2 * 3) * 4);
    }
}
