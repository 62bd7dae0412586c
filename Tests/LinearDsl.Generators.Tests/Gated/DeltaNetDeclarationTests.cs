using System.Collections.Immutable;
using LinearDsl.Analyzers;
using LinearDsl.Generators.Tests.Gated.Declared;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LinearDsl.Generators.Tests.Gated.Declared
{
    /// <summary>DeltaNet declared with the DSL: a softmax first layer, then the delta rule with grouped kv heads.</summary>
    [CausalLM(VocabSize = 48, Dim = 16, Layers = 3, ContextLength = 32)]
    [SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]
    [DeltaNet(Heads = 4, KvHeads = 2, ChunkSize = 4)]
    public partial class TinyDeltaNet;

    /// <summary>DeltaNet with every setting left to its default.</summary>
    [CausalLM(VocabSize = 48, Dim = 16, Layers = 1, ContextLength = 32)]
    [DeltaNet(Heads = 2)]
    public partial class TinyDefaultDeltaNet;
}

namespace LinearDsl.Generators.Tests.Gated
{
    /// <summary>The [DeltaNet] attribute through the generator and the analyzers.</summary>
    public sealed class DeltaNetDeclarationTests
    {
        [Fact]
        public void The_declaration_generates_the_hand_written_config_and_it_round_trips_through_config_json()
        {
            var byHand = new ModelConfig
            {
                VocabSize = 48, Width = 16, Layers = 3, ContextLength = 32, MlpHidden = 48,
                Mixer = MixerSpec.Of(4, new DeltaNetOptions { ChunkSize = 4 }, kvHeads: 2),
                LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Softmax(2, kvHeads: 2) },
            };
            TinyDeltaNet.Config.Should().Be(byHand);
            ModelConfigJson.Deserialize(ModelConfigJson.Serialize(TinyDeltaNet.Config)).Should().Be(TinyDeltaNet.Config);
            TinyDefaultDeltaNet.Config.Mixer.Options.Should().Be(new DeltaNetOptions());
        }

        [Fact]
        public void The_generated_model_decodes_exactly_through_its_decode_program()
        {
            using var scope = torch.NewDisposeScope();
            using var model = TinyDeltaNet.Create(seed: 2, ScalarType.Float64);
            using (torch.no_grad())
            {
                var generator = new torch.Generator(7);
                foreach (var (name, p) in model.named_parameters().Where(p => p.name.Contains("beta", StringComparison.Ordinal)))
                    p.copy_(torch.randn(p.shape, p.dtype, generator: generator));
            }
            model.named_parameters().Count(p => p.name.Contains("beta", StringComparison.Ordinal)).Should().Be(4, "beta_weight and beta_bias in layers 1 and 2");
            var tokens = torch.randint(0, 48, [2, 11], dtype: ScalarType.Int64, generator: new torch.Generator(3));
            var expected = model.Forward(tokens);
            using var state = model.CreateState(2);
            var steps = Enumerable.Range(0, 11).Select(t => model.Step(tokens.narrow(1, t, 1), state)).ToArray();
            torch.cat(steps, 1).sub(expected).abs().max().item<double>().Should().BeLessThan(1e-9);
        }

        [Theory]
        [InlineData("ChunkSize = 0", "DeltaNet.ChunkSize is 0")]
        [InlineData("ChunkSize = -3", "DeltaNet.ChunkSize is -3")]
        public void A_bad_chunk_size_is_a_generator_error_that_names_it(string setting, string message)
        {
            string source = $"using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 1, ContextLength = 16)]\n[DeltaNet(Heads = 2, {setting})]\npublic partial class M {{ }}\n";
            var errors = GeneratorHarness.Driver().RunGenerators(GeneratorHarness.Compile(source)).GetRunResult().Results.Single()
                .Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            errors.Should().ContainSingle().Which.Should().Contain(message);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(4)]
        [InlineData(0)]
        public void Analyzer_generator_runtime_and_probe_agree_that_deltanet_is_causal(int chunk)
        {
            string setting = chunk > 0 ? $", ChunkSize = {chunk}" : "";
            string source = $"using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 1, ContextLength = 16)]\n[DeltaNet(Heads = 2{setting})]\npublic partial class M {{ }}\n";
            var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(GeneratorHarness.Compile(source));
            var run = driver.GetRunResult().Results.Single();
            run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Should().BeEmpty();
            var spec = (LinearDsl.Generators.Model.ModelSpec)run.TrackedSteps[ModelGenerator.Steps.Spec].Single().Outputs.Single().Value;
            spec.LayerMixers.Should().OnlyContain(m => m.Options.NonCausal().Count == 0, "the generator keeps no non-causal setting");

            using var scope = torch.NewDisposeScope();
            using var mixer = new DeltaNet(new MixerGeometry(2, 8), new DeltaNetOptions { ChunkSize = chunk > 0 ? chunk : 64 });
            mixer.NonCausalSettings.Should().BeNull("the runtime's options");
            mixer.to(ScalarType.Float64);
            var generator = new torch.Generator(3);
            var (q, k, v) = (torch.randn(new long[] { 1, 2, 16, 8 }, ScalarType.Float64, generator: generator),
                torch.randn(new long[] { 1, 2, 16, 8 }, ScalarType.Float64, generator: generator), torch.randn(new long[] { 1, 2, 16, 8 }, ScalarType.Float64, generator: generator));
            LinearDsl.Runtime.Diagnostics.MixerCausalityProbe.Check(mixer, q, k, v, position: 5)
                .Should().OnlyContain(f => f.Verdict == LinearDsl.Runtime.Diagnostics.CausalityVerdict.Causal);
        }

        [Fact]
        public async Task The_analyzer_reports_no_leak_for_deltanet()
        {
            string source = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 1, ContextLength = 16)]\n[DeltaNet(Heads = 2, ChunkSize = 5)]\npublic partial class M { }\n";
            var diagnostics = await GeneratorHarness.Compile(source).WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new MixerDeclarationAnalyzer()))
                        .GetAnalyzerDiagnosticsAsync();
            diagnostics.Should().BeEmpty();
            new DeltaNetOptions { ChunkSize = 5 }.NonCausal().Should().BeEmpty();
        }
    }
}
