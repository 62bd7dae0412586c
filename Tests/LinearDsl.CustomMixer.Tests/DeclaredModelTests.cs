using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Samples.CosFormer;

namespace LinearDsl.CustomMixer.Tests;

/// <summary>Models declared with [Mixer&lt;T&gt;]: wired per layer with their settings, saved and loaded through config.json, decoded speculatively.</summary>
public sealed class DeclaredModelTests : IDisposable
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), "lineardsl-custom-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void The_generator_wires_the_custom_mixer_into_its_layers_with_its_settings()
    {
        using var model = CosFormerLm.Create(seed: 3, dtype: ScalarType.Float64);
        model.Layers[0].Attention.Mixer.Should().BeOfType<SoftmaxAttention>();
        foreach (var layer in new[] { 1, 2 })
            model.Layers[layer].Attention.Mixer.Should().BeOfType<CosFormerMixer>().Which.MaxLength.Should().Be(128);
        using var draft = CosFormerDraft.Create();
        draft.Layers[0].Attention.Mixer.Should().BeOfType<CosFormerMixer>().Which.MaxLength.Should().Be(1024, "a setting left out takes the constructor's default");
        CosFormerDraft.DraftTarget.Should().Be(typeof(CosFormerLm));
    }

    [Fact]
    public void Config_json_records_the_custom_mixer_by_kind_type_and_settings()
    {
        string json = ModelConfigJson.Serialize(CosFormerLm.Config);
        json.Should().Contain("\"kind\": \"custom\"")
            .And.Contain("\"type\": \"LinearDsl.Samples.CosFormer.CosFormerMixer, LinearDsl.Samples.CosFormerMixer\"")
            .And.Contain("\"max_length\": 128");
        ModelConfigJson.Deserialize(json).Should().Be(CosFormerLm.Config);
    }

    [Fact]
    public void A_saved_model_loads_through_config_json_with_the_same_outputs_and_its_decode_program()
    {
        using var scope = NewDisposeScope();
        using var model = CosFormerLm.Create(seed: 4, dtype: ScalarType.Float64);
        CosFormerLm.Save(model, _directory);
        using var loaded = CosFormerLm.Load(_directory);
        loaded.Layers[2].Attention.Mixer.Should().BeOfType<CosFormerMixer>().Which.MaxLength.Should().Be(128);
        var tokens = tensor(new long[] { 1, 5, 9, 2, 7, 30, 11 }).unsqueeze(0);
        using var _ = no_grad();
        loaded.Forward(tokens).allclose(model.Forward(tokens), rtol: 0, atol: 0).Should().BeTrue("the loaded model is the same function, bit for bit");
    }

    [Fact]
    public void The_mixer_parameters_are_saved_and_loaded_as_the_mixer_module_s_own()
    {
        using var scope = NewDisposeScope();
        using var model = PrefixMeanLm.Create(seed: 5, dtype: ScalarType.Float64);
        var mixer = (ScaledPrefixMean)model.Layers[1].Attention.Mixer;
        mixer.Scale.Should().NotBeNull();
        using (no_grad()) mixer.Scale.copy_(tensor(new[] { 0.25, -1.5, 2.0, 0.125 }, ScalarType.Float64));
        PrefixMeanLm.Save(model, _directory);
        using var loaded = Checkpoint.Load(_directory);
        var scale = ((ScaledPrefixMean)loaded.Layers[1].Attention.Mixer).Scale;
        scale.to(ScalarType.Float64).data<double>().ToArray().Should().Equal(0.25, -1.5, 2.0, 0.125);
        ((ScaledPrefixMean)loaded.Layers[0].Attention.Mixer).Scale.to(ScalarType.Float64).data<double>().ToArray().Should().AllBeEquivalentTo(0.5, "the declared initialScale");
    }

    [Fact]
    public void Speculative_decoding_with_a_small_draft_and_the_custom_mixer_target_equals_plain_greedy()
    {
        using var scope = NewDisposeScope();
        using var target = CosFormerLm.Create(seed: 7, dtype: ScalarType.Float64);
        using var draft = CosFormerDraft.Create(seed: 8, dtype: ScalarType.Float64);
        AssertGreedyIdentity(target, draft);
    }

    [Fact]
    public void Speculative_decoding_that_accepts_every_draft_token_still_equals_plain_greedy()
    {
        using var scope = NewDisposeScope();
        using var target = CosFormerLm.Create(seed: 7, dtype: ScalarType.Float64);
        CosFormerLm.Save(target, _directory);
        using var copy = CosFormerLm.Load(_directory);
        var statistics = AssertGreedyIdentity(target, copy);
        statistics.AcceptedTokens.Should().BeGreaterThan(0);
    }

    static DecodingStatistics AssertGreedyIdentity(CausalLanguageModel target, CausalLanguageModel draft)
    {
        var random = new Random(5);
        var prompts = Enumerable.Range(0, 3).Select(b => (IReadOnlyList<long>)Enumerable.Range(0, 3 + 2 * b).Select(_ => (long)random.Next(48)).ToArray()).ToArray();
        var options = new GenerationOptions { MaxNewTokens = 14, Sampling = SamplingOptions.Greedy };
        using var plain = new PlainDecoder(target).Start(prompts, options);
        plain.RunToEnd();
        using var speculative = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 3 }).Start(prompts, options);
        speculative.RunToEnd();
        for (int row = 0; row < prompts.Length; row++) speculative.Generated[row].Should().Equal(plain.Generated[row], $"row {row}");
        return speculative.Statistics;
    }
}
