using LinearDsl.Generators.Tests.Encoders;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The encoders and encoder-decoders generated from EncoderModels.cs: each Config is the hand-written ModelConfig,
/// Create builds the model that config builds, and Save/Load round-trip bit-exactly and refuse another architecture.
/// </summary>
public sealed class GeneratedEncoderTests
{
    static Tensor Tokens(long batch, long time, int vocab, int seed = 3)
        => randint(0, vocab, [batch, time], dtype: ScalarType.Int64, generator: new torch.Generator((ulong)seed));

    static readonly ModelConfig LinearEncoderByHand = new()
    {
        Architecture = ModelArchitecture.Encoder,
        VocabSize = 33, Width = 16, Layers = 3, ContextLength = 32, MlpHidden = 48, TieEmbeddings = true,
        Mixer = MixerSpec.Of(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3, ConvPadding = ConvPadding.Centered, CausalLocal = false, InclusiveGlobalPrefix = true }, kvHeads: 2),
        LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Of(2, new LinearAttentionOptions { FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = true }, kvHeads: 2) },
        MaskTokenId = 32,
        Pooling = Pooling.First,
    };

    static readonly ModelConfig LinearT5ByHand = new()
    {
        Architecture = ModelArchitecture.Seq2Seq,
        VocabSize = 32, Width = 16, Layers = 3, ContextLength = 32, MlpHidden = 48,
        Mixer = MixerSpec.Of(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }, kvHeads: 2),
        LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Of(2, new SoftmaxAttentionOptions(), kvHeads: 2) },
        Encoder = new EncoderStackConfig
        {
            Layers = 1,
            Mixer = MixerSpec.Of(2, new LinearAttentionOptions { FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = true }, kvHeads: 2),
        },
        CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Linear, Heads = 2, KvHeads = 2, FeatureMap = LinearFeatureMap.Relu },
        DecoderStartTokenId = 1,
    };

    [Fact]
    public void The_generated_encoder_configs_are_the_hand_written_ones()
    {
        TinyLinearEncoder.Config.Should().Be(LinearEncoderByHand);
        TinyBertEncoder.Config.Should().Be(new ModelConfig
        {
            Architecture = ModelArchitecture.Encoder,
            VocabSize = 33, Width = 16, Layers = 2, ContextLength = 32, MlpHidden = 48,
            Mixer = MixerSpec.Of(2, new SoftmaxAttentionOptions { Bidirectional = true }, kvHeads: 2),
            MaskTokenId = 32,
        });
        TinyLinearEncoder.Config.Problems().Should().BeEmpty();
        TinyBertEncoder.Config.Problems().Should().BeEmpty();
    }

    [Fact]
    public void The_generated_seq2seq_configs_are_the_hand_written_ones()
    {
        TinyLinearT5.Config.Should().Be(LinearT5ByHand);
        TinyT5.Config.Should().Be(new ModelConfig
        {
            Architecture = ModelArchitecture.Seq2Seq,
            VocabSize = 32, Width = 16, Layers = 2, ContextLength = 32, MlpHidden = 48,
            Mixer = MixerSpec.Of(2, new SoftmaxAttentionOptions(), kvHeads: 2),
            Encoder = new EncoderStackConfig { Layers = 2, Mixer = MixerSpec.Of(2, new SoftmaxAttentionOptions { Bidirectional = true }, kvHeads: 2) },
            CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 2, KvHeads = 2 },
        });
        TinyLinearT5.Config.Problems().Should().BeEmpty();
        TinyT5.Config.Problems().Should().BeEmpty();
    }

    [Fact]
    public void A_generated_encoder_is_the_model_its_config_builds()
    {
        using var scope = NewDisposeScope();
        using var generated = TinyLinearEncoder.Create(seed: 5, ScalarType.Float64);
        using var composed = ModelFactory.CreateEncoder(LinearEncoderByHand, seed: 5, ScalarType.Float64);
        var tokens = Tokens(batch: 2, time: 9, vocab: 33);
        generated.MaskedLogits(tokens).equal(composed.MaskedLogits(tokens)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void A_generated_seq2seq_model_is_the_model_its_config_builds()
    {
        using var scope = NewDisposeScope();
        using var generated = TinyLinearT5.Create(seed: 5, ScalarType.Float64);
        using var composed = ModelFactory.CreateSeq2Seq(LinearT5ByHand, seed: 5, ScalarType.Float64);
        var (source, target) = (Tokens(batch: 2, time: 9, vocab: 32), Tokens(batch: 2, time: 6, vocab: 32, seed: 4));
        generated.Forward(source, target).equal(composed.Forward(source, target)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void An_encoder_saves_and_loads_bit_exactly_and_refuses_another_architecture()
    {
        using var scope = NewDisposeScope();
        var directory = TempDirectory();
        try
        {
            using var model = TinyLinearEncoder.Create(seed: 7, ScalarType.Float64);
            TinyLinearEncoder.Save(model, directory);
            File.ReadAllText(Path.Combine(directory, "config.json")).Should().Contain("\"architecture\": \"encoder\"");
            using var loaded = TinyLinearEncoder.Load(directory);
            var tokens = Tokens(batch: 2, time: 10, vocab: 33);
            loaded.MaskedLogits(tokens).equal(model.MaskedLogits(tokens)).all().item<bool>().Should().BeTrue();
            loaded.Embed(tokens).equal(model.Embed(tokens)).all().item<bool>().Should().BeTrue();

            var load = () => TinyBertEncoder.Load(directory);
            load.Should().Throw<InvalidDataException>().WithMessage("*different architecture than TinyBertEncoder*");
            using var other = TinyBertEncoder.Create(seed: 7);
            var save = () => TinyLinearEncoder.Save(other, directory);
            save.Should().Throw<ArgumentException>().WithMessage("*not built from TinyLinearEncoder.Config*");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_seq2seq_model_saves_and_loads_bit_exactly_and_refuses_another_architecture()
    {
        using var scope = NewDisposeScope();
        var directory = TempDirectory();
        try
        {
            using var model = TinyLinearT5.Create(seed: 7, ScalarType.Float64);
            TinyLinearT5.Save(model, directory);
            File.ReadAllText(Path.Combine(directory, "config.json")).Should().Contain("\"architecture\": \"seq2seq\"");
            using var loaded = TinyLinearT5.Load(directory);
            var (source, target) = (Tokens(batch: 2, time: 9, vocab: 32), Tokens(batch: 2, time: 6, vocab: 32, seed: 4));
            loaded.Forward(source, target).equal(model.Forward(source, target)).all().item<bool>().Should().BeTrue();

            var load = () => TinyT5.Load(directory);
            load.Should().Throw<InvalidDataException>().WithMessage("*different architecture than TinyT5*");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    static string TempDirectory() => Path.Combine(Path.GetTempPath(), "lineardsl-generated-" + Guid.NewGuid().ToString("N"));
}
