using Microsoft.CodeAnalysis;
using static LinearDsl.Analyzers.Tests.TestSetup;

namespace LinearDsl.Analyzers.Tests;

/// <summary>
/// Gate = GateKind.Gla changes no causality verdict: each leak still fires its diagnostic with the gate declared,
/// and a causal declaration with the gate is silent (the gate reads only the current token's key).
/// </summary>
public sealed class AugmentedGlaCausalityTests
{
    const string Head = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n";

    static Task Verdict(string mixer, params DiagnosticResult[] expected)
        => new AnalyzerTest<MixerDeclarationAnalyzer>(Head + mixer + "\npublic partial class M;\n", expected).RunAsync();

    [Theory]
    [InlineData("[LinearAttention(Heads = 2, Groups = 4, DWConv = true, Gate = GateKind.Gla)]")]
    [InlineData("[LinearAttention(Heads = 2, GroupSize = 1, Gate = GateKind.Gla, GateTemperature = 2, CausalLocal = false)]")]
    [InlineData("[LinearAttention(Heads = 2, Gate = GateKind.Gla, ConvTaps = 1, ConvPadding = ConvPadding.Right)]")]
    public Task A_causal_gated_declaration_is_silent(string mixer) => Verdict(mixer);

    [Fact]
    public Task An_uncausal_conv_is_reported_with_the_gate_too()
        => Verdict("[LinearAttention(Heads = 2, Gate = GateKind.Gla, ConvTaps = 63, {|#0:ConvPadding = ConvPadding.Centered|})]",
            At("LDSL2001", DiagnosticSeverity.Error, "Centered", 63, 31));

    [Fact]
    public Task Unmasked_local_attention_is_reported_with_the_gate_too()
        => Verdict("[LinearAttention(Heads = 2, Gate = GateKind.Gla, {|#0:CausalLocal = false|}, GroupSize = 16)]",
            At("LDSL2002", DiagnosticSeverity.Error));

    [Fact]
    public Task An_inclusive_global_prefix_is_reported_with_the_gate_too()
        => Verdict("[LinearAttention(Heads = 2, {|#0:InclusiveGlobalPrefix = true|}, Gate = GateKind.Gla)]",
            At("LDSL2003", DiagnosticSeverity.Error));
}
