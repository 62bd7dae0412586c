using LinearDsl.Generators.Tests.Gated;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Tests.Gated
{
    /// <summary>The paper's augmentation on a GLA-gated global term, as issue 16 writes it (groups of 32 / 4 = 8 tokens).</summary>
    [CausalLM(VocabSize = 48, Dim = 16, Layers = 2, ContextLength = 32)]
    [RmsNorm, Rotary(Theta = 100), SwiGlu(Hidden = 24)]
    [LinearAttention(Heads = 2, Groups = 4, DWConv = true, ConvTaps = 3, Gate = GateKind.Gla)]
    public partial class TinyAugmentedGla;
}

namespace LinearDsl.Generators.Tests
{
    /// <summary>[LinearAttention(Groups = 4, DWConv = true, Gate = GateKind.Gla)]: generated, configured, exact, and checked.</summary>
    public sealed class AugmentedGlaDeclarationTests
    {
        [Fact]
        public void The_declaration_generates_a_gated_model_whose_config_round_trips()
        {
            var options = TinyAugmentedGla.Config.Mixer.Augmented!;
            options.Gate.Should().Be(GateKind.Gla);
            options.GateTemperature.Should().Be(16);
            options.GroupSize.Should().Be(8);
            options.Conv.Should().BeTrue();
            options.Describe().Should().Contain("GLA-gated global");
            var json = ModelConfigJson.Serialize(TinyAugmentedGla.Config);
            json.Should().Contain("\"gate\": \"gla\"");
            ModelConfigJson.Deserialize(json).Should().Be(TinyAugmentedGla.Config);
        }

        [Fact]
        public void The_generated_model_has_gate_parameters_and_its_forms_agree()
        {
            using var scope = NewDisposeScope();
            using var model = TinyAugmentedGla.Create(1, ScalarType.Float64);
            model.state_dict().Keys.Should().Contain(k => k.EndsWith("gate_weight")).And.Contain(k => k.EndsWith("gate_bias"));
            using (no_grad())
            {
                var generator = new torch.Generator(7);
                foreach (var (name, p) in model.named_parameters())
                    if (name.EndsWith("alpha") || name.EndsWith("conv_weight") || name.EndsWith("gate_weight") || name.EndsWith("gate_bias"))
                        p.copy_(randn(p.shape, p.dtype, generator: generator).mul(0.5));
            }
            var tokens = randint(0, 48, [2, 19], dtype: ScalarType.Int64, generator: new torch.Generator(3));
            var expected = model.Forward(tokens);
            using var state = model.CreateState(2);
            using var _ = inference_mode();
            // The generated decode program runs the steps; it hands gated layers to their tensor forms.
            var steps = Enumerable.Range(0, 19).Select(t => model.Step(tokens.narrow(1, t, 1), state)).ToArray();
            cat(steps, 1).sub(expected).abs().max().item<double>().Should().BeLessThan(1e-10);
        }

        [Theory]
        [InlineData("Gate = GateKind.Gla, GateTemperature = 0", "GateTemperature is 0")]
        [InlineData("Gate = GateKind.Gla, Global = false", "Gate = Gla decays the global term, which is off")]
        [InlineData("Gate = (GateKind)5", "LinearAttention.Gate is 5, not a GateKind value")]
        [InlineData("FeatureMap = LinearFeatureMap.EluPlusOne, Gate = GateKind.Gla", "LinearAttention.Gate belongs to the augmented form (FeatureMap = L2)")]
        [InlineData("FeatureMap = LinearFeatureMap.Relu, GateTemperature = 8", "LinearAttention.GateTemperature belongs to the augmented form (FeatureMap = L2)")]
        public void A_gate_that_cannot_work_is_a_generator_error(string settings, string message)
        {
            var source = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n"
                + $"[LinearAttention(Heads = 2, {settings})]\npublic partial class M;";
            var (run, _) = GeneratorHarness.Run(source);
            run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))
                .Should().ContainSingle().Which.Should().Contain(message);
        }

        [Fact]
        public void The_generated_initializer_spells_out_the_gate()
        {
            var source = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n"
                + "[LinearAttention(Heads = 2, Groups = 4, DWConv = true, Gate = GateKind.Gla, GateTemperature = 8)]\npublic partial class M;";
            var (run, compile) = GeneratorHarness.Run(source);
            run.Diagnostics.Should().BeEmpty();
            compile.Where(d => d.Severity >= DiagnosticSeverity.Warning).Should().BeEmpty();
            run.GeneratedSources.Single().SourceText.ToString().Should().Contain("Gate = global::LinearDsl.GateKind.Gla, GateTemperature = 8.0");
        }
    }
}
