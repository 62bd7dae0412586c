using System.Text.Json;
using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>config.json: exact round trips, explicit defaults, a committed schema baseline, and clear rejections.</summary>
public sealed class ModelConfigJsonTests
{
    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Every_config_round_trips_exactly(string name)
    {
        var config = ModelCatalog.Config(name);
        string json = ModelConfigJson.Serialize(config);
        var back = ModelConfigJson.Deserialize(json);
        back.Should().Be(config);
        back.GetHashCode().Should().Be(config.GetHashCode());
        ModelConfigJson.Serialize(back).Should().Be(json);
    }

    [Fact]
    public void Unusual_values_round_trip_too()
    {
        var config = ModelCatalog.Config("hybrid") with
        {
            NormEps = 1.0 / 3,
            RopeTheta = 500000.5,
            InitializerRange = 1e-300,
            Mixer = MixerSpec.AugmentedLinear(3, new AugmentedLinearAttentionOptions { GroupSize = 7, Conv = false, AlphaInit = -0.1, FeatureEps = 5e-324 }),
            LayerMixers = new Dictionary<int, MixerSpec>
            {
                [2] = MixerSpec.LinearAttention(6, new LinearAttentionOptions { FeatureMap = LinearFeatureMap.T2R, FeatureDim = 5, Seed = long.MaxValue, Denominator = false }, kvHeads: 3),
                [0] = MixerSpec.Softmax(2, kvHeads: 1),
            },
        };
        var back = ModelConfigJson.Deserialize(ModelConfigJson.Serialize(config));
        back.Should().Be(config);
        back.LayerMixers.Keys.Should().Equal(0, 2);
        back.MixerFor(1).Should().Be(config.Mixer);
        back.Should().NotBe(config with { LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Softmax(2, kvHeads: 1) } });
    }

    [Fact]
    public void Every_setting_is_written_out_including_defaults()
    {
        var config = new ModelConfig { VocabSize = 10, Width = 8, Layers = 1, ContextLength = 16, MlpHidden = 12, Mixer = MixerSpec.AugmentedLinear(2) };
        using var document = JsonDocument.Parse(ModelConfigJson.Serialize(config));
        var root = document.RootElement;
        root.EnumerateObject().Select(p => p.Name).Should().Equal(
            "format_version", "vocab_size", "width", "layers", "context_length", "norm", "norm_eps", "positions", "rope_theta",
            "mlp", "mlp_hidden", "mixer", "layer_mixers", "tie_embeddings", "initializer_range");
        root.GetProperty("format_version").GetInt32().Should().Be(ModelConfig.CurrentFormatVersion);
        root.GetProperty("norm").GetString().Should().Be("rms_norm");
        root.GetProperty("positions").GetString().Should().Be("rotary");
        root.GetProperty("mlp").GetString().Should().Be("swiglu");
        root.GetProperty("mixer").EnumerateObject().Select(p => p.Name).Should().Equal("heads", "kv_heads", "options");
        root.GetProperty("mixer").GetProperty("options").EnumerateObject().Select(p => p.Name).Should().Equal(
            "kind", "group_size", "local", "global", "conv", "conv_taps", "alpha_init", "feature_eps", "conv_padding", "causal_local", "inclusive_global_prefix");
        root.GetProperty("mixer").GetProperty("options").GetProperty("kind").GetString().Should().Be("augmented_linear");
    }

    [Fact]
    public void Non_causal_settings_round_trip()
    {
        var leaky = new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3, ConvPadding = ConvPadding.Centered, CausalLocal = false, InclusiveGlobalPrefix = true };
        var config = ModelCatalog.Config("hybrid") with
        {
            Mixer = MixerSpec.AugmentedLinear(2, leaky),
            LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Softmax(2, bidirectional: true) },
        };
        string json = ModelConfigJson.Serialize(config);
        json.Should().Contain("\"conv_padding\": \"centered\"").And.Contain("\"causal_local\": false")
            .And.Contain("\"inclusive_global_prefix\": true").And.Contain("\"bidirectional\": true");
        var back = ModelConfigJson.Deserialize(json);
        back.Should().Be(config);
        back.Mixer.Augmented!.NonCausalSettings.Should().Be("ConvPadding = Centered, CausalLocal = false, InclusiveGlobalPrefix = true");
        back.LayerMixers[0].Bidirectional.Should().BeTrue();
        back.Should().NotBe(ModelCatalog.Config("hybrid"));
    }

    [Fact]
    public void A_file_without_the_non_causal_keys_reads_as_causal()
    {
        // config.json files written before these settings existed have none of the keys; every one defaults to causal.
        string json = ModelConfigJson.Serialize(ModelCatalog.Config("hybrid"));
        string old = string.Join("\n", json.Split('\n').Where(line => !line.Contains("conv_padding") && !line.Contains("causal_local") && !line.Contains("inclusive_global_prefix")));
        old = System.Text.RegularExpressions.Regex.Replace(old, ",\\s*\"bidirectional\": false", "");
        old = old.Replace("1E-06,\n", "1E-06\n");
        ModelConfigJson.Deserialize(old).Should().Be(ModelCatalog.Config("hybrid"));
    }

    [Fact]
    public void A_format_1_file_reads_as_the_same_config()
    {
        // hybrid-format1.json is hybrid.json as format 1 wrote it (kind beside heads, options under "augmented").
        string format1 = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "model-configs", "hybrid-format1.json"));
        format1.Should().Contain("\"format_version\": 1").And.Contain("\"augmented\": {");
        var config = ModelConfigJson.Deserialize(format1);
        config.Should().Be(ModelCatalog.Config("hybrid"));
        ModelConfigJson.Serialize(config).Should().Be(ModelConfigJson.Serialize(ModelCatalog.Config("hybrid")));
    }

    [Fact]
    public void A_format_1_file_keeps_its_non_causal_settings()
    {
        string format1 = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "model-configs", "hybrid-format1.json"))
            .Replace("\"causal_local\": true", "\"causal_local\": false")
            .Replace("\"kind\": \"softmax\",", "\"kind\": \"softmax\", \"bidirectional\": true,");
        var config = ModelConfigJson.Deserialize(format1);
        config.Mixer.Augmented!.NonCausalSettings.Should().Be("CausalLocal = false");
        config.LayerMixers.Values.Should().ContainSingle(m => m.Bidirectional);
    }

    [Theory]
    [InlineData("\"kind\": \"softmax\",", "\"kind\": \"softmax\", \"linear\": {},", "layer_mixers[0] has kind softmax but \"linear\" options; remove them.")]
    [InlineData("\"kind\": \"augmented_linear\",", "\"kind\": \"augmented_linear\", \"bidirectional\": true,", "mixer.bidirectional applies to softmax mixers only; remove it.")]
    [InlineData("\"kind\": \"augmented_linear\",", "\"kind\": \"gated\",", "mixer.kind \"gated\" is not a mixer kind of format 1; use augmented_linear, linear or softmax.")]
    public void A_format_1_file_with_mismatched_options_is_refused(string find, string replace, string message)
    {
        string format1 = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "model-configs", "hybrid-format1.json"));
        format1.Should().Contain(find);
        FluentActions.Invoking(() => ModelConfigJson.Deserialize(format1.Replace(find, replace), "old.json"))
            .Should().Throw<InvalidDataException>().WithMessage("old.json: " + message);
    }

    [Fact]
    public void The_schema_matches_the_committed_baseline()
        => Baselines.Check("model-configs/hybrid.json", ModelConfigJson.Serialize(ModelCatalog.Config("hybrid")));

    [Fact]
    public void A_newer_format_version_is_refused_with_a_version_message()
    {
        string json = ModelConfigJson.Serialize(ModelCatalog.Config("aug-rope")).Replace("\"format_version\": 2", "\"format_version\": 3");
        FluentActions.Invoking(() => ModelConfigJson.Deserialize(json, "test.json")).Should().Throw<InvalidDataException>()
            .WithMessage("test.json has format_version 3, written by a newer LinearDsl; this build reads format_version up to 2.*");
    }

    [Fact]
    public void Unknown_and_missing_keys_are_named()
    {
        string json = ModelConfigJson.Serialize(ModelCatalog.Config("aug-rope"));
        FluentActions.Invoking(() => ModelConfigJson.Deserialize(json.Replace("\"width\":", "\"widht\": 12, \"width\":")))
            .Should().Throw<InvalidDataException>().WithMessage("*'widht'*");
        FluentActions.Invoking(() => ModelConfigJson.Deserialize(json.Replace("\"vocab_size\": 23,", "")))
            .Should().Throw<InvalidDataException>().WithMessage("*vocab_size*");
        FluentActions.Invoking(() => ModelConfigJson.Deserialize(json.Replace("\"rms_norm\"", "\"batch_norm\"")))
            .Should().Throw<InvalidDataException>().WithMessage("config.json is not a valid model config*");
        FluentActions.Invoking(() => ModelConfigJson.Deserialize("[1]")).Should().Throw<InvalidDataException>().WithMessage("*must hold a JSON object*");
    }

    [Fact]
    public void Validation_lists_every_problem_at_once()
    {
        var config = new ModelConfig
        {
            VocabSize = 10,
            Width = 16,
            Layers = 2,
            ContextLength = 0,
            MlpHidden = 12,
            Mixer = MixerSpec.AugmentedLinear(3, new AugmentedLinearAttentionOptions { GroupSize = 0 }, kvHeads: 2),
            LayerMixers = new Dictionary<int, MixerSpec>
            {
                [5] = MixerSpec.Softmax(4),
                [1] = MixerSpec.Softmax(8, kvHeads: 3),
            },
        };
        var error = FluentActions.Invoking(() => ModelFactory.Create(config)).Should().Throw<InvalidModelConfigException>().Which;
        error.Problems.Should().BeEquivalentTo(
            "context_length must be positive, got 0.",
            "mixer.heads (3) must divide width (16); choose a divisor of 16.",
            "mixer.kv_heads (2) must divide heads (3) for grouped-query attention; choose a divisor of 3.",
            "mixer.options (augmented_linear): GroupSize is 0; a group needs at least 1 token.",
            "layer_mixers[1].kv_heads (3) must divide heads (8) for grouped-query attention; choose a divisor of 8.",
            "layer_mixers[5] overrides layer 5, but the model has layers 0..1.");
        error.Message.Should().StartWith("The model config is invalid:");

        FluentActions.Invoking(() => ModelConfigJson.Serialize(config)).Should().Throw<InvalidModelConfigException>();
    }

    [Fact]
    public void Rotary_positions_need_an_even_head_size()
    {
        var config = ModelCatalog.Config("aug-rope") with { Width = 10 };
        config.Problems().Should().Equal("mixer: rotary positions need an even head size, but width 10 / heads 2 = 5.");
        (config with { Positions = PositionKind.None }).Problems().Should().BeEmpty();
    }

    [Fact]
    public void An_invalid_file_is_refused_with_its_problems()
    {
        string json = ModelConfigJson.Serialize(ModelCatalog.Config("gqa")).Replace("\"kv_heads\": 2", "\"kv_heads\": 3");
        FluentActions.Invoking(() => ModelConfigJson.Deserialize(json, "gqa.json")).Should().Throw<InvalidDataException>()
            .WithMessage("gqa.json describes an invalid model:*mixer.kv_heads (3) must divide heads (4)*");
    }
}
