namespace LinearDsl.Generators.Tests;

/// <summary>What the generator writes for [Mixer&lt;TMixer&gt;]: the runtime's CustomMixerOptions with every constructor setting.</summary>
public sealed class CustomMixerGenerationTests
{
    const string Source = """
        using LinearDsl;
        namespace Demo;
        using LinearDsl.Runtime.Mixers;
        using LinearDsl.Runtime.Positional;
        using static TorchSharp.torch;

        [CausalLM(VocabSize = 32, Dim = 16, Layers = 3, ContextLength = 64)]
        [SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]
        [Mixer<Decayed>(Heads = 2, KvHeads = 1, Settings = new object[] { "decay", 1, "label", "a\"b" })]
        public partial class M;

        public sealed class S(TokenMixer owner, long batch, ScalarType dtype, Device device) : CustomMixerState(owner, batch, dtype, device);

        public sealed class Decayed(MixerGeometry geometry, RotaryEmbedding? rotary, double decay, string label = "x", long window = 16, bool exact = true, float gain = 0.5f)
            : CustomMixer<S>("decayed", geometry, rotary)
        {
            public string Describe() => $"{decay} {label} {window} {exact} {gain}";
            protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v) => v;
            protected override S NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);
            protected override Tensor StepState(Tensor q, Tensor k, Tensor v, S state) => v;
        }
        """;

    [Fact]
    public void The_config_names_the_mixer_type_and_every_setting_in_constructor_order_defaults_included()
    {
        var (run, compile) = GeneratorHarness.Run(Source);
        run.Diagnostics.Should().BeEmpty();
        compile.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Should().BeEmpty();
        string generated = run.GeneratedSources.Single(s => s.HintName == "Demo.M.g.cs").SourceText.ToString();
        generated.Should().Contain("Mixer = global::LinearDsl.Runtime.Modeling.MixerSpec.Of(2, global::LinearDsl.Runtime.Mixers.CustomMixerOptions.For<global::Demo.Decayed>("
            + "new global::System.Collections.Generic.Dictionary<string, object?> { [\"decay\"] = 1.0, [\"label\"] = \"a\\\"b\", [\"window\"] = 16L, [\"exact\"] = true, [\"gain\"] = 0.5f }), kvHeads: 1),");
        generated.Should().Contain("[0] = global::LinearDsl.Runtime.Modeling.MixerSpec.Of(2, new global::LinearDsl.Runtime.Mixers.SoftmaxAttentionOptions");
        generated.Should().Contain("// Layer 1: custom mixer Decayed, 2 heads of 8, 1 KV heads");
    }
}
