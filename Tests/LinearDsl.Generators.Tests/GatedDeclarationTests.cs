using LinearDsl.Generators.Tests.Gated;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Generators.Tests.Gated
{
    /// <summary>RetNet retention on every layer.</summary>
    [CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
    [RetNet(Heads = 2)]
    public partial class TinyRetNet;

    /// <summary>GLA with grouped keys and a cooler gate.</summary>
    [CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
    [Gla(Heads = 4, KvHeads = 2, GateTemperature = 8)]
    public partial class TinyGla;

    /// <summary>A hybrid: softmax in layer 0, Mamba-2 (without the output norm) elsewhere.</summary>
    [CausalLM(VocabSize = 48, Dim = 16, Layers = 3, ContextLength = 32)]
    [SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]
    [Mamba2(Heads = 2, OutputNorm = false)]
    public partial class TinyMamba2Hybrid;
}

namespace LinearDsl.Generators.Tests
{
    /// <summary>
    /// [RetNet], [Gla] and [Mamba2] declarations: the generator builds the kinds' options from the attributes, the config
    /// round-trips through config.json, the generated models run their three forms exactly, and bad settings are
    /// reported at the attribute.
    /// </summary>
    public sealed class GatedDeclarationTests
    {
        [Fact]
        public void The_attributes_declare_the_kinds_with_their_settings_and_the_config_round_trips()
        {
            TinyRetNet.Config.Mixer.Options.Should().Be(new RetNetOptions());
            TinyGla.Config.Mixer.Options.Should().Be(new GlaOptions { GateTemperature = 8 });
            TinyGla.Config.Mixer.KvHeads.Should().Be(2);
            TinyMamba2Hybrid.Config.MixerFor(0).Options.Should().BeOfType<SoftmaxAttentionOptions>();
            TinyMamba2Hybrid.Config.MixerFor(2).Options.Should().Be(new Mamba2Options { OutputNorm = false });
            foreach (var config in new[] { TinyRetNet.Config, TinyGla.Config, TinyMamba2Hybrid.Config })
            {
                string json = ModelConfigJson.Serialize(config);
                ModelConfigJson.Deserialize(json).Should().Be(config);
            }
            ModelConfigJson.Serialize(TinyGla.Config).Should().Contain("\"gla\"");
        }

        [Theory]
        [InlineData("retnet")]
        [InlineData("gla")]
        [InlineData("mamba2")]
        public void The_generated_models_agree_in_their_three_forms(string kind)
        {
            using var scope = NewDisposeScope();
            using var model = kind switch
            {
                "retnet" => TinyRetNet.Create(1, ScalarType.Float64),
                "gla" => TinyGla.Create(1, ScalarType.Float64),
                _ => TinyMamba2Hybrid.Create(1, ScalarType.Float64),
            };
            GeneratedModelTests.RandomizeMixers(model);
            var tokens = randint(0, 48, [2, 15], dtype: ScalarType.Int64, generator: new torch.Generator(3));
            var expected = model.Forward(tokens);
            using var state = model.CreateState(2);
            var parts = new List<Tensor> { model.Prefill(tokens.narrow(1, 0, 4), state) };
            var (logits, pending) = model.Verify(tokens.narrow(1, 4, 6), state);
            using (pending) model.Commit(state, pending, [6, 6]);
            parts.Add(logits);
            for (int t = 10; t < 15; t++) parts.Add(model.Step(tokens.narrow(1, t, 1), state));
            var actual = cat(parts, 1);
            actual.sub(expected).abs().max().item<double>().Should().BeLessThan(1e-9);
        }

        [Theory]
        [InlineData("[RetNet(Heads = 2)]", "RetNet")]
        [InlineData("[Gla(Heads = 2)]", "Gla")]
        [InlineData("[Mamba2(Heads = 2)]", "Mamba2")]
        public void A_gated_attribute_without_CausalLM_is_warned_about(string attribute, string name)
        {
            var (run, _) = GeneratorHarness.Run("using LinearDsl;\nnamespace Demo;\n" + attribute + "\npublic partial class M;");
            var warning = run.Diagnostics.Should().ContainSingle().Subject;
            warning.Id.Should().Be(LinearDsl.Generators.Diagnostics.Descriptors.AttributeWithoutModelId);
            warning.GetMessage().Should().Contain($"[{name}] on 'M' is ignored");
        }

        [Theory]
        [InlineData("[Gla(Heads = 2, GateTemperature = 0)]", "GateTemperature = 0", "[Gla(Heads = 2, GateTemperature = 4)]")]
        [InlineData("[Gla(Heads = 2, GateTemperature = double.NaN)]", "GateTemperature = double.NaN", "[Gla(Heads = 2)]")]
        [InlineData("[RetNet(Heads = 3)]", "Heads = 3", "[RetNet(Heads = 4)]")]
        [InlineData("[Mamba2(Heads = 4, KvHeads = 3)]", "KvHeads = 3", "[Mamba2(Heads = 4, KvHeads = 2)]")]
        public void Bad_settings_are_reported_at_the_attribute(string fires, string at, string fixedAttribute)
        {
            const string Header = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n";
            var source = Header + fires + "\npublic partial class M;";
            var (run, _) = GeneratorHarness.Run(source);
            var diagnostic = run.Diagnostics.Should().ContainSingle(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Subject;
            var span = diagnostic.Location.SourceSpan;
            source.Substring(span.Start, span.Length).Should().Be(at);
            var (fixedRun, _) = GeneratorHarness.Run(Header + fixedAttribute + "\npublic partial class M;");
            fixedRun.Diagnostics.Should().NotContain(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        }
    }
}
