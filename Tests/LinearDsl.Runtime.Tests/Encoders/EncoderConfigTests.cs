using System.Text.Json;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Encoders;

/// <summary>config.json of encoders and seq2seq models: exact round trips, their own keys only there, one-line problems.</summary>
public sealed class EncoderConfigTests
{
    [Theory]
    [MemberData(nameof(EncoderCatalog.EncoderMixerNames), MemberType = typeof(EncoderCatalog))]
    public void Encoder_configs_round_trip_exactly(string name)
    {
        var config = EncoderCatalog.Encoder(EncoderCatalog.EncoderMixers[name].Mixer, Pooling.First);
        string json = ModelConfigJson.Serialize(config);
        var back = ModelConfigJson.Deserialize(json);
        back.Should().Be(config);
        back.GetHashCode().Should().Be(config.GetHashCode());
        ModelConfigJson.Serialize(back).Should().Be(json);
        back.Pooling.Should().Be(Pooling.First);
    }

    [Theory]
    [MemberData(nameof(EncoderCatalog.Seq2SeqNames), MemberType = typeof(EncoderCatalog))]
    public void Seq2seq_configs_round_trip_exactly(string name)
    {
        var config = EncoderCatalog.Seq2SeqConfigs[name];
        string json = ModelConfigJson.Serialize(config);
        var back = ModelConfigJson.Deserialize(json);
        back.Should().Be(config);
        ModelConfigJson.Serialize(back).Should().Be(json);
        back.Should().NotBe(config with { CrossAttention = config.CrossAttention! with { Heads = 1, KvHeads = 1 } });
        back.Should().NotBe(config with { Encoder = config.Encoder! with { Layers = 3 } });
    }

    [Fact]
    public void An_encoder_writes_its_architecture_pooling_and_mask_token_and_nothing_of_seq2seq()
    {
        var config = EncoderCatalog.Encoder(MixerSpec.Softmax(2, bidirectional: true));
        using var document = JsonDocument.Parse(ModelConfigJson.Serialize(config));
        var root = document.RootElement;
        root.GetProperty("architecture").GetString().Should().Be("encoder");
        root.GetProperty("pooling").GetString().Should().Be("mean");
        root.GetProperty("mask_token_id").GetInt32().Should().Be(EncoderCatalog.MaskTokenId);
        foreach (var key in new[] { "encoder", "cross_attention", "decoder_start_token_id" }) root.TryGetProperty(key, out _).Should().BeFalse(key);
    }

    [Fact]
    public void A_bert_layout_encoder_round_trips_and_differs_from_the_pre_norm_one()
    {
        var config = EncoderCatalog.Encoder(MixerSpec.Softmax(2, bidirectional: true)) with
        {
            Norm = NormKind.LayerNorm, NormPlacement = NormPlacement.Post, TokenTypes = 2, MlmHead = MlmHeadKind.Transform, Mlp = MlpKind.GeluErf,
        };
        string json = ModelConfigJson.Serialize(config);
        var back = ModelConfigJson.Deserialize(json);
        back.Should().Be(config);
        back.GetHashCode().Should().Be(config.GetHashCode());
        back.Should().NotBe(config with { NormPlacement = NormPlacement.Pre });
        back.Should().NotBe(config with { TokenTypes = 0 });
        back.Should().NotBe(config with { MlmHead = MlmHeadKind.None });
        config.Problems().Should().BeEmpty();
    }

    [Fact]
    public void A_seq2seq_model_writes_its_stacks_and_start_token()
    {
        var config = EncoderCatalog.Seq2SeqConfigs["linear-cross"];
        using var document = JsonDocument.Parse(ModelConfigJson.Serialize(config));
        var root = document.RootElement;
        root.GetProperty("architecture").GetString().Should().Be("seq2seq");
        root.GetProperty("decoder_start_token_id").GetInt32().Should().Be(0);
        root.GetProperty("cross_attention").GetProperty("kind").GetString().Should().Be("linear");
        root.GetProperty("encoder").GetProperty("mixer").GetProperty("options").GetProperty("bidirectional").GetBoolean().Should().BeTrue();
        foreach (var key in new[] { "pooling", "mask_token_id" }) root.TryGetProperty(key, out _).Should().BeFalse(key);
    }

    [Fact]
    public void A_causal_lm_and_a_causal_linear_mixer_write_none_of_the_new_keys()
    {
        var config = new ModelConfig { VocabSize = 10, Width = 8, Layers = 1, ContextLength = 16, MlpHidden = 12, Mixer = MixerSpec.LinearAttention(2) };
        string json = ModelConfigJson.Serialize(config);
        foreach (var key in new[] { "architecture", "pooling", "mask_token_id", "encoder", "cross_attention", "decoder_start_token_id", "bidirectional", "norm_placement", "token_types", "mlm_head" })
            json.Should().NotContain($"\"{key}\"");
    }

    [Fact]
    public void Bidirectional_linear_attention_is_non_causal()
    {
        new LinearAttentionOptions { Bidirectional = true }.NonCausal().Select(s => s.ToString()).Should().Equal("Bidirectional = true");
        new LinearAttentionOptions().NonCausal().Should().BeEmpty();
    }

    public static TheoryData<string, string> BadConfigs() => new()
    {
        { "encoder-without-mask", "mask_token_id is missing" },
        { "encoder-mask-outside", "mask_token_id 23 is not a token id" },
        { "causal-with-pooling", "pooling applies to encoders only" },
        { "causal-with-cross", "cross_attention applies to seq2seq models only" },
        { "encoder-with-start", "decoder_start_token_id applies to seq2seq models only" },
        { "seq2seq-without-encoder", "encoder is missing" },
        { "seq2seq-without-cross", "cross_attention is missing" },
        { "seq2seq-bidirectional-decoder", "mixer is the decoder's and reads later tokens (Bidirectional = true)" },
        { "seq2seq-cross-heads", "cross_attention.heads (3) must divide width (16)" },
        { "seq2seq-softmax-feature-map", "cross_attention.feature_map applies to linear cross-attention only" },
        { "seq2seq-encoder-override", "encoder.layer_mixers[5] overrides layer 5, but the encoder has layers 0..1" },
        { "encoder-with-medusa", "medusa_heads apply to causal LMs only" },
        { "causal-post-norm", "norm_placement post applies to encoders only" },
        { "seq2seq-token-types", "token_types applies to encoders only" },
        { "causal-mlm-head", "mlm_head applies to encoders only" },
        { "causal-gelu-erf", "mlp gelu_erf serves encoders and seq2seq models only" },
        { "causal-relu", "mlp relu serves encoders and seq2seq models only" },
        { "encoder-negative-types", "token_types must be 0 (none) or positive" },
        { "encoder-transform-rms", "mlm_head transform normalises with a layer norm" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Each_problem_is_one_line_that_says_what_to_change(string name, string expected)
    {
        var encoder = EncoderCatalog.Encoder(MixerSpec.Softmax(2, bidirectional: true));
        var seq2seq = EncoderCatalog.Seq2SeqConfigs["softmax-cross"];
        var causal = Causal(MixerSpec.Softmax(2));
        var config = name switch
        {
            "encoder-without-mask" => encoder with { MaskTokenId = null },
            "encoder-mask-outside" => encoder with { MaskTokenId = 23 },
            "causal-with-pooling" => causal with { Pooling = Pooling.First },
            "causal-with-cross" => causal with { CrossAttention = seq2seq.CrossAttention },
            "encoder-with-start" => encoder with { DecoderStartTokenId = 1 },
            "seq2seq-without-encoder" => seq2seq with { Encoder = null },
            "seq2seq-without-cross" => seq2seq with { CrossAttention = null },
            "seq2seq-bidirectional-decoder" => seq2seq with { Mixer = MixerSpec.Softmax(2, bidirectional: true) },
            "seq2seq-cross-heads" => seq2seq with { CrossAttention = seq2seq.CrossAttention! with { Heads = 3, KvHeads = 1 } },
            "seq2seq-softmax-feature-map" => seq2seq with { CrossAttention = seq2seq.CrossAttention! with { FeatureMap = LinearFeatureMap.Relu } },
            "seq2seq-encoder-override" => seq2seq with { Encoder = seq2seq.Encoder! with { LayerMixers = new Dictionary<int, MixerSpec> { [5] = MixerSpec.Softmax(2) } } },
            "encoder-with-medusa" => encoder with { MedusaHeads = new MedusaSpec(2) },
            "causal-post-norm" => causal with { NormPlacement = NormPlacement.Post },
            "seq2seq-token-types" => seq2seq with { TokenTypes = 2 },
            "causal-mlm-head" => causal with { MlmHead = MlmHeadKind.Transform },
            "causal-gelu-erf" => causal with { Mlp = MlpKind.GeluErf },
            "causal-relu" => causal with { Mlp = MlpKind.Relu },
            "encoder-negative-types" => encoder with { TokenTypes = -1 },
            "encoder-transform-rms" => encoder with { MlmHead = MlmHeadKind.Transform, Norm = NormKind.RmsNorm },
            _ => throw new ArgumentException(name),
        };
        var problems = config.Problems();
        problems.Should().ContainSingle(p => p.Contains(expected, StringComparison.Ordinal), string.Join(" | ", problems));
        problems.Should().OnlyContain(p => !p.Contains('\n', StringComparison.Ordinal));
        var create = () => ModelFactory.CreateEncoder(config);
        create.Should().Throw<InvalidModelConfigException>();
    }

    [Fact]
    public void A_causal_lm_may_still_hold_a_non_causal_mixer_for_leak_demonstrations()
        => Causal(MixerSpec.Softmax(2, bidirectional: true)).Problems().Should().BeEmpty();

    static ModelConfig Causal(MixerSpec mixer) => new() { VocabSize = 23, Width = 16, Layers = 2, ContextLength = 64, MlpHidden = 20, Mixer = mixer };

    [Fact]
    public void Each_factory_refuses_another_architecture_naming_the_right_one()
    {
        var encoder = EncoderCatalog.Encoder(MixerSpec.Softmax(2, bidirectional: true));
        var create = () => ModelFactory.Create(encoder);
        create.Should().Throw<InvalidModelConfigException>().WithMessage("*ModelFactory.CreateEncoder*");
        var seq2seq = () => ModelFactory.CreateSeq2Seq(encoder);
        seq2seq.Should().Throw<InvalidModelConfigException>().WithMessage("*ModelFactory.CreateEncoder*");
        var asEncoder = () => ModelFactory.CreateEncoder(EncoderCatalog.Seq2SeqConfigs["softmax-cross"]);
        asEncoder.Should().Throw<InvalidModelConfigException>().WithMessage("*ModelFactory.CreateSeq2Seq*");
    }
}
