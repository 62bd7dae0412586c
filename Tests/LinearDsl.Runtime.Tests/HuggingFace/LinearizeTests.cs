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
}
