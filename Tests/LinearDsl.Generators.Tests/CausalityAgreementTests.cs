using System.Collections.Immutable;
using LinearDsl.Analyzers;
using LinearDsl.Generators.Model;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// Every causality-relevant setting of the built-in mixers, enumerated: the analyzer (LDSL200x), the generator (the
/// settings its spec keeps) and the runtime (the options' non-causal settings) must say the same, and the same as a
/// perturbation probe of the parallel form, which is the ground truth from the math.
/// </summary>
public sealed class CausalityAgreementTests
{
    const int Context = 16;

    /// <summary>Group settings: groups of 1 token (given directly and via Groups), of 4, and the default (the context).</summary>
    static readonly (string Text, int Size)[] GroupSettings =
    {
        ("GroupSize = 1", 1), ($"Groups = {Context}", 1), ("GroupSize = 4", 4), ("Groups = 4", 4), ("", Context),
    };

    public static TheoryData<string, int, bool, bool, bool, int, int, bool, bool> LinearCombinations()
    {
        var data = new TheoryData<string, int, bool, bool, bool, int, int, bool, bool>();
        var flags = new[] { true, false };
        foreach (var (group, size) in GroupSettings)
        foreach (bool local in flags)
        foreach (bool global in flags)
        foreach (bool conv in flags)
        foreach (int taps in new[] { 1, 3 })
        foreach (int padding in new[] { 0, 1, 2 })
        foreach (bool causalLocal in flags)
        foreach (bool inclusive in flags)
        {
            if (local || global || conv) data.Add(group, size, local, global, conv, taps, padding, causalLocal, inclusive);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(LinearCombinations))]
    public void Analyzer_generator_and_runtime_agree_with_the_probe_on_linear_attention(
        string group, int groupSize, bool local, bool global, bool conv, int taps, int padding, bool causalLocal, bool inclusive)
    {
        string[] paddings = { "Causal", "Centered", "Right" };
        var settings = new List<string> { "Heads = 2", $"Local = {Lower(local)}", $"Global = {Lower(global)}", $"DWConv = {Lower(conv)}",
            $"ConvTaps = {taps}", $"ConvPadding = ConvPadding.{paddings[padding]}", $"CausalLocal = {Lower(causalLocal)}", $"InclusiveGlobalPrefix = {Lower(inclusive)}" };
        if (group.Length > 0) settings.Add(group);
        var options = new AugmentedLinearAttentionOptions
        {
            GroupSize = groupSize, Local = local, Global = global, Conv = conv, ConvTaps = taps,
            ConvPadding = (ConvPadding)padding, CausalLocal = causalLocal, InclusiveGlobalPrefix = inclusive,
        };
        string attribute = $"[LinearAttention({string.Join(", ", settings)})]";
        if (global && groupSize == 1 && inclusive)
        {
            // Groups of one token: the inclusive prefix adds only the token's own k v^T to its global term. That reads no
            // later token (so no LDSL2003), but it is a function the decoding forms do not compute: all three refuse it.
            options.Problems().Should().ContainSingle(p => p.Setting == "InclusiveGlobalPrefix");
            AnalyzerFlags(Source(attribute)).Should().BeFalse($"the analyzer on {attribute}");
            GeneratorErrors(Source(attribute)).Should().ContainSingle().Which.Should().Contain("InclusiveGlobalPrefix");
            return;
        }
        AssertAgreement(attribute, ProbeLeaks(options));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Analyzer_generator_and_runtime_agree_on_softmax_attention(bool bidirectional)
    {
        using var scope = torch.NewDisposeScope();
        using var mixer = new SoftmaxAttention(new MixerGeometry(2, 4, 2), bidirectional: bidirectional);
        var (q, k, v) = Inputs();
        bool leaks = MixerCausalityProbe.Check(mixer, q, k, v, position: 5)[0].Verdict == CausalityVerdict.Leaks;
        leaks.Should().Be(bidirectional);
        (mixer.NonCausalSettings is not null).Should().Be(leaks, "the runtime's softmax mixer");
        AssertAgreement($"[SoftmaxAttention(Heads = 2, Bidirectional = {Lower(bidirectional)})]", leaks);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Analyzer_generator_and_runtime_agree_on_plain_linear_attention(bool bidirectional)
    {
        using var scope = torch.NewDisposeScope();
        using var mixer = new LinearAttention(new MixerGeometry(2, 4, 2), new LinearAttentionOptions { FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = bidirectional });
        mixer.to(ScalarType.Float64);
        var (q, k, v) = Inputs();
        bool leaks = MixerCausalityProbe.Check(mixer, q, k, v, position: 5)[0].Verdict == CausalityVerdict.Leaks;
        leaks.Should().Be(bidirectional);
        (mixer.NonCausalSettings is not null).Should().Be(leaks, "the runtime's linear mixer");
        AssertAgreement($"[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = {Lower(bidirectional)})]", leaks);
    }

    static string Source(string attribute)
        => $"using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 1, ContextLength = {Context})]\n{attribute}\npublic partial class M {{ }}\n";

    static void AssertAgreement(string attribute, bool leaks)
    {
        string source = Source(attribute);
        AnalyzerFlags(source).Should().Be(leaks, $"the analyzer on {attribute}");
        GeneratorKeepsNonCausalSettings(source).Should().Be(leaks, $"the generator on {attribute}");
    }

    /// <summary>The runtime's predicate and the probe of the parallel form, on a mixer with every parameter non-zero.</summary>
    static bool ProbeLeaks(AugmentedLinearAttentionOptions options)
    {
        using var scope = torch.NewDisposeScope();
        using var mixer = new AugmentedLinearAttention(new MixerGeometry(2, 4, 2), options);
        using (torch.no_grad())
        {
            var generator = new torch.Generator(5);
            mixer.Alpha?.copy_(torch.randn(mixer.Alpha.shape, generator: generator).add(1));
            mixer.ConvWeight?.copy_(torch.randn(mixer.ConvWeight.shape, generator: generator).add(1));
        }
        mixer.to(ScalarType.Float64);
        var (q, k, v) = Inputs();
        bool leaks = MixerCausalityProbe.Check(mixer, q, k, v, position: 5)[0].Verdict == CausalityVerdict.Leaks;
        (mixer.NonCausalSettings is not null).Should().Be(leaks, $"the runtime's options {options} ({mixer.NonCausalSettings})");
        return leaks;
    }

    static (torch.Tensor Q, torch.Tensor K, torch.Tensor V) Inputs()
    {
        var generator = new torch.Generator(3);
        return (torch.randn(new long[] { 1, 2, Context, 4 }, ScalarType.Float64, generator: generator),
            torch.randn(new long[] { 1, 2, Context, 4 }, ScalarType.Float64, generator: generator),
            torch.randn(new long[] { 1, 2, Context, 4 }, ScalarType.Float64, generator: generator));
    }

    static bool AnalyzerFlags(string source)
    {
        var compilation = GeneratorHarness.Compile(source);
        var diagnostics = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new MixerDeclarationAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        // The decoder-stack errors: LDSL2001-LDSL2004 and LDSL2011 (bidirectional linear attention).
        return diagnostics.Any(d => d.Id.StartsWith("LDSL200", StringComparison.Ordinal) || d.Id == "LDSL2011");
    }

    static bool GeneratorKeepsNonCausalSettings(string source)
    {
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(GeneratorHarness.Compile(source));
        var run = driver.GetRunResult().Results.Single();
        run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Should().BeEmpty();
        var spec = (ModelSpec)run.TrackedSteps[ModelGenerator.Steps.Spec].Single().Outputs.Single().Value;
        return spec.LayerMixers.Any(NonCausal);
    }

    static List<string> GeneratorErrors(string source)
        => GeneratorHarness.Driver().RunGenerators(GeneratorHarness.Compile(source)).GetRunResult().Results.Single()
            .Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();

    static bool NonCausal(MixerDecl m) => m.Options.NonCausal().Count > 0;

    static string Lower(bool value) => value ? "true" : "false";
}
