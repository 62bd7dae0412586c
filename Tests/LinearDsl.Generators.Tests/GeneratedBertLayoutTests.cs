using LinearDsl.Generators.Tests.Encoders;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The BERT-layout encoder and the T5 MLP kinds declared in EncoderModels.cs: each generated Config is the hand-written
/// ModelConfig, Create builds the model that config builds, and Save/Load round-trip bit-exactly.
/// </summary>
public sealed class GeneratedBertLayoutTests
{
    static Tensor Tokens(long batch, long time, int vocab, int seed = 3)
        => randint(0, vocab, [batch, time], dtype: ScalarType.Int64, generator: new torch.Generator((ulong)seed));

    static readonly ModelConfig BertLayoutByHand = new()
    {
        Architecture = ModelArchitecture.Encoder,
        VocabSize = 33, Width = 16, Layers = 2, ContextLength = 32, MlpHidden = 64,
        Norm = NormKind.LayerNorm, NormEps = 1e-12, NormPlacement = NormPlacement.Post,
        Positions = PositionKind.Learned, TokenTypes = 2, Mlp = MlpKind.GeluErf, MlmHead = MlmHeadKind.Transform,
        Mixer = MixerSpec.Of(2, new SoftmaxAttentionOptions { Bidirectional = true }, kvHeads: 2),
        MaskTokenId = 32,
        Pooling = Pooling.First,
        AttentionBias = true,
    };

    static readonly ModelConfig ReluT5ByHand = new()
    {
        Architecture = ModelArchitecture.Seq2Seq,
        VocabSize = 32, Width = 16, Layers = 2, ContextLength = 32, Mlp = MlpKind.Relu, MlpHidden = 64,
        Mixer = MixerSpec.Of(2, new SoftmaxAttentionOptions(), kvHeads: 2),
        Encoder = new EncoderStackConfig { Layers = 1, Mixer = MixerSpec.Of(2, new SoftmaxAttentionOptions { Bidirectional = true }, kvHeads: 2) },
        CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 2, KvHeads = 2 },
    };

    static readonly ModelConfig GeGluT5ByHand = new()
    {
        Architecture = ModelArchitecture.Seq2Seq,
        VocabSize = 32, Width = 16, Layers = 1, ContextLength = 32, Mlp = MlpKind.GeGlu, MlpHidden = 48,
        Mixer = MixerSpec.Of(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }, kvHeads: 2),
        Encoder = new EncoderStackConfig { Layers = 2, Mixer = MixerSpec.Of(2, new SoftmaxAttentionOptions { Bidirectional = true }, kvHeads: 2) },
        CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 2, KvHeads = 2 },
    };

    [Fact]
    public void The_generated_configs_are_the_hand_written_ones()
    {
        TinyBertLayout.Config.Should().Be(BertLayoutByHand);
        TinyReluT5.Config.Should().Be(ReluT5ByHand);
        TinyGeGluT5.Config.Should().Be(GeGluT5ByHand);
        // Equality covers these too; spelled out so that a regression names the setting.
        TinyBertLayout.Config.NormPlacement.Should().Be(NormPlacement.Post);
        TinyBertLayout.Config.TokenTypes.Should().Be(2);
        TinyBertLayout.Config.MlmHead.Should().Be(MlmHeadKind.Transform);
        TinyBertLayout.Config.Mlp.Should().Be(MlpKind.GeluErf);
        foreach (var config in new[] { TinyBertLayout.Config, TinyReluT5.Config, TinyGeGluT5.Config }) config.Problems().Should().BeEmpty();
    }

    [Fact]
    public void The_generated_bert_layout_encoder_is_the_model_its_config_builds()
    {
        using var scope = NewDisposeScope();
        using var generated = TinyBertLayout.Create(seed: 5, ScalarType.Float64);
        using var composed = ModelFactory.CreateEncoder(BertLayoutByHand, seed: 5, ScalarType.Float64);
        var tokens = Tokens(batch: 2, time: 9, vocab: 33);
        var types = Tokens(batch: 2, time: 9, vocab: 2, seed: 8);
        var logits = generated.MaskedLogits(tokens, types);
        logits.equal(composed.MaskedLogits(tokens, types)).all().item<bool>().Should().BeTrue();
        // The token types are embedded: other types give other logits.
        logits.equal(generated.MaskedLogits(tokens, 1 - types)).all().item<bool>().Should().BeFalse();
        generated.named_parameters().Select(p => p.name).Should().Contain(new[] { "embed_norm.weight", "embed_token_types.weight", "mlm_bias" });
    }

    [Fact]
    public void The_generated_t5_mlp_models_are_the_models_their_configs_build()
    {
        using var scope = NewDisposeScope();
        var (source, target) = (Tokens(batch: 2, time: 9, vocab: 32), Tokens(batch: 2, time: 6, vocab: 32, seed: 4));
        using var relu = TinyReluT5.Create(seed: 5, ScalarType.Float64);
        using var reluByHand = ModelFactory.CreateSeq2Seq(ReluT5ByHand, seed: 5, ScalarType.Float64);
        relu.Forward(source, target).equal(reluByHand.Forward(source, target)).all().item<bool>().Should().BeTrue();
        using var geglu = TinyGeGluT5.Create(seed: 5, ScalarType.Float64);
        using var gegluByHand = ModelFactory.CreateSeq2Seq(GeGluT5ByHand, seed: 5, ScalarType.Float64);
        geglu.Forward(source, target).equal(gegluByHand.Forward(source, target)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void The_bert_layout_encoder_saves_and_loads_bit_exactly()
    {
        using var scope = NewDisposeScope();
        var directory = TempDirectory();
        try
        {
            using var model = TinyBertLayout.Create(seed: 7, ScalarType.Float64);
            TinyBertLayout.Save(model, directory);
            File.ReadAllText(Path.Combine(directory, "config.json")).Should()
                .Contain("\"norm_placement\": \"post\"").And.Contain("\"token_types\": 2").And.Contain("\"mlm_head\": \"transform\"").And.Contain("\"mlp\": \"gelu_erf\"");
            using var loaded = TinyBertLayout.Load(directory);
            var tokens = Tokens(batch: 2, time: 10, vocab: 33);
            var types = Tokens(batch: 2, time: 10, vocab: 2, seed: 8);
            loaded.MaskedLogits(tokens, types).equal(model.MaskedLogits(tokens, types)).all().item<bool>().Should().BeTrue();
            loaded.Embed(tokens).equal(model.Embed(tokens)).all().item<bool>().Should().BeTrue();

            var load = () => TinyBertEncoder.Load(directory);
            load.Should().Throw<InvalidDataException>().WithMessage("*different architecture than TinyBertEncoder*");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("geglu")]
    public void The_t5_mlp_models_save_and_load_bit_exactly(string mlp)
    {
        using var scope = NewDisposeScope();
        var directory = TempDirectory();
        try
        {
            var (source, target) = (Tokens(batch: 2, time: 9, vocab: 32), Tokens(batch: 2, time: 6, vocab: 32, seed: 4));
            using var model = mlp == "relu" ? TinyReluT5.Create(seed: 7, ScalarType.Float64) : TinyGeGluT5.Create(seed: 7, ScalarType.Float64);
            if (mlp == "relu") TinyReluT5.Save(model, directory);
            else TinyGeGluT5.Save(model, directory);
            File.ReadAllText(Path.Combine(directory, "config.json")).Should().Contain($"\"mlp\": \"{mlp}\"");
            using var loaded = mlp == "relu" ? TinyReluT5.Load(directory) : TinyGeGluT5.Load(directory);
            loaded.Forward(source, target).equal(model.Forward(source, target)).all().item<bool>().Should().BeTrue();
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    static string TempDirectory() => Path.Combine(Path.GetTempPath(), "lineardsl-generated-" + Guid.NewGuid().ToString("N"));
}
