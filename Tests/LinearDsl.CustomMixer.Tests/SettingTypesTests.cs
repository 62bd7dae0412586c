using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.CustomMixer.Tests;

/// <summary>A config written by hand with CustomMixerOptions.For: every setting type survives config.json and reaches the constructor.</summary>
public sealed class SettingTypesTests
{
    [Fact]
    public void Every_setting_type_and_the_rotary_embedding_reach_the_constructor_after_a_config_json_round_trip()
    {
        var options = CustomMixerOptions.For<AllSettings>(new Dictionary<string, object?> { ["window"] = 7L, ["gain"] = 0.25f, ["exact"] = false, ["label"] = null, ["decay"] = 0.5 });
        var config = new ModelConfig { VocabSize = 16, Width = 8, Layers = 1, ContextLength = 16, MlpHidden = 8, Mixer = MixerSpec.Of(2, options) };
        string json = ModelConfigJson.Serialize(config);
        json.Should().Contain("\"window\": 7").And.Contain("\"gain\": 0.25").And.Contain("\"exact\": false").And.Contain("\"label\": null").And.Contain("\"decay\": 0.5");
        var read = ModelConfigJson.Deserialize(json);
        read.Should().Be(config);
        using var model = ModelFactory.Create(read);
        var mixer = model.Layers[0].Attention.Mixer.Should().BeOfType<AllSettings>().Subject;
        mixer.Values.Should().Be("7 0.25 False <null> 0.5");
        mixer.Rotary.Should().NotBeNull("the model has rotary positions and the constructor takes them");
    }

    [Fact]
    public void A_missing_setting_without_a_default_is_a_config_problem()
    {
        var options = CustomMixerOptions.For<AllSettings>(new Dictionary<string, object?> { ["window"] = 7L, ["gain"] = 1f, ["exact"] = true, ["label"] = "l" });
        var config = new ModelConfig { VocabSize = 16, Width = 8, Layers = 1, ContextLength = 16, MlpHidden = 8, Mixer = MixerSpec.Of(2, options) };
        config.Problems().Should().ContainSingle().Which.Should().Be(
            "mixer.options (custom): setting 'decay' is missing and AllSettings's parameter 'decay' has no default; give it.");
        FluentActions.Invoking(() => ModelFactory.Create(config)).Should().Throw<InvalidModelConfigException>();
    }

    public sealed class AllSettings : CustomMixer<PrefixSumState>
    {
        public AllSettings(MixerGeometry geometry, long window, float gain, bool exact, string? label, RotaryEmbedding? rotary, double decay)
            : base(nameof(AllSettings), geometry, rotary)
        {
            Values = $"{window} {gain.ToString(System.Globalization.CultureInfo.InvariantCulture)} {exact} {label ?? "<null>"} {decay.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            RegisterComponents();
        }

        public string Values { get; }

        protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v) => v.cumsum(2);

        protected override PrefixSumState NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);

        protected override Tensor StepState(Tensor q, Tensor k, Tensor v, PrefixSumState state) => state.Sum = state.Sum.add(v);
    }
}
