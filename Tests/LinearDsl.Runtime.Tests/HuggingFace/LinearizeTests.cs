using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Linearize: every reused weight is bit-identical, alpha and the conv kernel start at zero, kept layers stay
/// softmax, and the result is an ordinary model: exact in its three forms, causal, and saved like any other.
/// </summary>
public sealed class LinearizeTests : HfTempFolder
{
    const double Tolerance = 1e-9;
    static readonly LinearizeOptions Options = new() { Mixer = new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 } };

    CausalLanguageModel LoadSoftmax(string architecture)
    {
        string folder = Folder(architecture);
        if (architecture == "llama") HfFolders.Write(folder, HfFolders.LlamaConfig(), HfFolders.LlamaWeights());
        else HfFolders.Write(folder, HfFolders.Gpt2Config(), HfFolders.Gpt2Weights());
        return HuggingFaceCheckpoint.Load(folder, ScalarType.Float64);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Reused_weights_are_bit_identical_and_alpha_and_conv_start_at_zero(string architecture)
    {
        using var scope = NewDisposeScope();
        using var softmax = LoadSoftmax(architecture);
        using var linear = Linearizer.Linearize(softmax, Options);

        var before = softmax.state_dict();
        var after = linear.state_dict();
        foreach (var (key, tensor) in before)
            ModelForms.BitIdentical(after[key], tensor).Should().BeTrue($"'{key}' is reused as it is");
        after.Keys.Except(before.Keys).Should().BeEquivalentTo(Enumerable.Range(0, HfFolders.Layers)
            .SelectMany(l => new[] { $"model.layers.{l}.self_attn.mixer.alpha", $"model.layers.{l}.self_attn.mixer.conv_weight" }));
        foreach (var block in linear.Layers)
        {
            var mixer = block.Attention.Mixer.Should().BeOfType<AugmentedLinearAttention>().Which;
            mixer.Options.Should().Be(Options.Mixer);
            mixer.Alpha!.item<double>().Should().Be(0);
            mixer.ConvWeight!.shape.Should().Equal(mixer.Geometry.KvHeads, 3L);
            mixer.ConvWeight.abs().max().item<double>().Should().Be(0);
        }
        linear.Config!.Mixer.Should().Be(MixerSpec.AugmentedLinear(HfFolders.Heads, Options.Mixer, softmax.Config!.Mixer.KvHeads));
        linear.Config.Should().Be(softmax.Config with { Mixer = linear.Config.Mixer });
    }

    [Fact]
    public void Kept_layers_stay_softmax_in_a_hybrid()
    {
        using var softmax = LoadSoftmax("llama");
        using var hybrid = Linearizer.Linearize(softmax, Options with { SoftmaxLayers = [1] });
        hybrid.Layers[0].Attention.Mixer.Should().BeOfType<AugmentedLinearAttention>();
        hybrid.Layers[1].Attention.Mixer.Should().BeOfType<SoftmaxAttention>();
        hybrid.Config!.LayerMixers.Should().ContainSingle().Which.Should().Be(new KeyValuePair<int, MixerSpec>(1, softmax.Config!.Mixer));
    }

    [Theory]
    [InlineData("llama", false)]
    [InlineData("gpt2", false)]
    [InlineData("llama", true)]
    public void The_linearized_model_is_exact_in_its_three_forms_and_causal(string architecture, bool hybrid)
    {
        using var scope = NewDisposeScope();
        using var softmax = LoadSoftmax(architecture);
        using var model = Linearizer.Linearize(softmax, hybrid ? Options with { SoftmaxLayers = [0] } : Options);
        // Give the new parameters non-zero values so the global term and the conv take part in the comparison.
        using (no_grad())
        {
            var generator = new torch.Generator(7);
            foreach (var (key, p) in model.named_parameters().Where(p => p.name.Contains(".mixer.", StringComparison.Ordinal)))
                p.copy_(randn(p.shape, p.dtype, generator: generator).mul(0.5));
        }
        var tokens = ModelCatalog.Tokens(batch: 2, time: 19, seed: 3);
        var expected = model.Forward(tokens);
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1);
        Forms.MaxAbsDiff(ModelForms.StepLoop(model, tokens), expected).Should().BeLessThan(Tolerance, "Step loop");
        foreach (long m in new long[] { 1, 3, 6 })
            Forms.MaxAbsDiff(ModelForms.PrefillThenVerify(model, tokens, 5, m), expected).Should().BeLessThan(Tolerance, $"Verify + Commit, m = {m}");

        var report = CausalityProbe.Check(model, length: 16, position: 9);
        report.IsCausal.Should().BeTrue(report.ToString());
    }

    [Fact]
    public void The_linearized_model_saves_and_loads_like_any_other()
    {
        using var scope = NewDisposeScope();
        using var softmax = LoadSoftmax("gpt2");
        using var model = Linearizer.Linearize(softmax, Options with { SoftmaxLayers = [1] });
        Checkpoint.Save(model, Folder("saved"));
        using var loaded = Checkpoint.Load(Folder("saved"));
        loaded.Config.Should().Be(model.Config);
        var tokens = ModelCatalog.Tokens(batch: 1, time: 10);
        ModelForms.BitIdentical(loaded.Forward(tokens), model.Forward(tokens)).Should().BeTrue();
    }

    [Fact]
    public void Linearizing_a_folder_equals_linearizing_the_loaded_model()
    {
        using var scope = NewDisposeScope();
        using var softmax = LoadSoftmax("llama");
        using var fromModel = Linearizer.Linearize(softmax, Options);
        using var fromFolder = Linearizer.LinearizeFolder(Folder("llama"), Options, ScalarType.Float64);
        fromFolder.Config.Should().Be(fromModel.Config);
        var tokens = ModelCatalog.Tokens(batch: 1, time: 10);
        ModelForms.BitIdentical(fromFolder.Forward(tokens), fromModel.Forward(tokens)).Should().BeTrue();
    }

    [Fact]
    public void Only_causal_softmax_models_with_a_config_are_linearized()
    {
        using var softmax = LoadSoftmax("llama");
        using var linear = Linearizer.Linearize(softmax, Options);
        FluentActions.Invoking(() => Linearizer.Linearize(linear, Options)).Should().Throw<ArgumentException>()
            .WithMessage("*layer 0 is AugmentedLinear, but only causal softmax layers are linearized*");
        FluentActions.Invoking(() => Linearizer.Linearize(softmax, Options with { SoftmaxLayers = [2] })).Should().Throw<ArgumentException>()
            .WithMessage("*SoftmaxLayers names layer 2, but the model has layers 0..1*");
        using var handMade = HandAssembledModels.Hybrid();
        FluentActions.Invoking(() => Linearizer.Linearize(handMade)).Should().Throw<ArgumentException>().WithMessage("*assembled by hand*");
    }

    [Theory]
    [InlineData(LinearFeatureMap.EluPlusOne)]
    [InlineData(LinearFeatureMap.Hedgehog)]
    [InlineData(LinearFeatureMap.Performer)]
    public void A_plain_linear_target_reuses_every_weight_and_starts_its_feature_map_as_the_method_prescribes(LinearFeatureMap map)
    {
        using var scope = NewDisposeScope();
        using var softmax = LoadSoftmax("llama");
        var target = MixerSpec.LinearAttention(heads: 1, new LinearAttentionOptions { FeatureMap = map, Seed = 5 });
        using var linear = Linearizer.Linearize(softmax, new LinearizeOptions { Target = target });

        linear.Config!.Mixer.Should().Be(target with { Heads = softmax.Config!.Mixer.Heads, KvHeads = softmax.Config.Mixer.KvHeads });
        var before = softmax.state_dict();
        var after = linear.state_dict();
        foreach (var (key, tensor) in before)
            ModelForms.BitIdentical(after[key], tensor).Should().BeTrue($"'{key}' is reused as it is");
        var added = after.Keys.Except(before.Keys).ToList();
        added.Where(k => !k.Contains(".self_attn.mixer.feature_map.", StringComparison.Ordinal)).Should().BeEmpty("only the feature map is new");
        added.Should().HaveCount(map == LinearFeatureMap.EluPlusOne ? 0 : HfFolders.Layers * (map == LinearFeatureMap.Hedgehog ? 2 : 1));
        // The new feature-map tensors are the ones a fresh model of that mixer starts with (Hedgehog near the identity, Performer's seeded features).
        using var fresh = ModelFactory.Create(linear.Config, seed: 99, dtype: ScalarType.Float64);
        var freshState = fresh.state_dict();
        foreach (var key in after.Keys.Except(before.Keys))
            ModelForms.BitIdentical(after[key], freshState[key]).Should().BeTrue($"'{key}' starts as the feature map prescribes");
        if (map == LinearFeatureMap.Hedgehog)
        {
            var weight = after["model.layers.0.self_attn.mixer.feature_map.query_weight"];
            var identity = eye(weight.shape[1], weight.shape[2], ScalarType.Float64);
            weight.sub(identity).abs().max().item<double>().Should().BeLessThan(0.1, "Hedgehog starts near the identity");
        }

        var tokens = ModelCatalog.Tokens(batch: 2, time: 13, seed: 4);
        Forms.MaxAbsDiff(ModelForms.StepLoop(linear, tokens), linear.Forward(tokens)).Should().BeLessThan(Tolerance, "Step loop");
    }

    [Fact]
    public void With_alpha_and_the_conv_at_zero_the_augmented_model_starts_as_its_local_attention_alone()
    {
        using var scope = NewDisposeScope();
        using var softmax = LoadSoftmax("llama");
        using var augmented = Linearizer.Linearize(softmax, Options);
        var localOnly = MixerSpec.AugmentedLinear(1, Options.Mixer with { Global = false, Conv = false });
        using var local = Linearizer.Linearize(softmax, new LinearizeOptions { Target = localOnly });
        var tokens = ModelCatalog.Tokens(batch: 2, time: 17, seed: 6);
        Forms.MaxAbsDiff(augmented.Forward(tokens), local.Forward(tokens)).Should().BeLessThan(1e-12,
            "alpha x global and a zero conv add nothing, so only the local ReLU^2 attention mixes tokens");
    }

    [Fact]
    public void A_softmax_target_is_refused()
    {
        using var softmax = LoadSoftmax("llama");
        FluentActions.Invoking(() => Linearizer.Linearize(softmax, new LinearizeOptions { Target = MixerSpec.Softmax(2) })).Should().Throw<ArgumentException>()
            .WithMessage("*the Target must be a linear mixer*not Softmax*");
    }
}
