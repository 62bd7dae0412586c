using LinearDsl.Analyzers.CodeFixes;
using Microsoft.CodeAnalysis;
using static LinearDsl.Analyzers.Tests.TestSetup;

namespace LinearDsl.Analyzers.Tests;

/// <summary>LDSL2001-LDSL2004: each fires at the non-causal setting, not on its near miss, and the fix removes it.</summary>
public sealed class MixerDeclarationTests
{
    const string Head = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n";

    static Task Fires(string mixer, string fixedMixer, DiagnosticResult expected)
        => new FixTest<MixerDeclarationAnalyzer, RemoveNonCausalSettingCodeFix>(
            Head + mixer + "\npublic partial class M;\n", Head + fixedMixer + "\npublic partial class M;\n", expected).RunAsync();

    static Task Silent(string mixer) => new AnalyzerTest<MixerDeclarationAnalyzer>(Head + mixer + "\npublic partial class M;\n").RunAsync();

    [Fact]
    public Task LDSL2001_fires_on_a_centred_conv_and_the_fix_restores_the_causal_one()
        => Fires("[LinearAttention(Heads = 2, ConvTaps = 63, {|#0:ConvPadding = ConvPadding.Centered|})]",
            "[LinearAttention(Heads = 2, ConvTaps = 63)]",
            At("LDSL2001", DiagnosticSeverity.Error, "Centered", 63, 31));

    [Fact]
    public Task LDSL2001_fires_on_a_right_padded_conv_written_first()
        => Fires("[LinearAttention({|#0:ConvPadding = ConvPadding.Right|}, Heads = 2, ConvTaps = 4)]",
            "[LinearAttention(Heads = 2, ConvTaps = 4)]",
            At("LDSL2001", DiagnosticSeverity.Error, "Right", 4, 3));

    [Theory]
    [InlineData("[LinearAttention(Heads = 2, ConvPadding = ConvPadding.Causal)]")]
    [InlineData("[LinearAttention(Heads = 2, ConvTaps = 1, ConvPadding = ConvPadding.Centered)]")]
    [InlineData("[LinearAttention(Heads = 2, DWConv = false, ConvPadding = ConvPadding.Right)]")]
    [InlineData("[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, ConvPadding = ConvPadding.Right)]")]
    public Task LDSL2001_is_silent_when_the_conv_reads_no_later_token(string mixer) => Silent(mixer);

    [Fact]
    public Task LDSL2002_fires_on_unmasked_local_attention_and_the_fix_removes_it()
        => Fires("[LinearAttention(Heads = 2, {|#0:CausalLocal = false|}, GroupSize = 16)]",
            "[LinearAttention(Heads = 2, GroupSize = 16)]",
            At("LDSL2002", DiagnosticSeverity.Error));

    [Theory]
    [InlineData("[LinearAttention(Heads = 2, CausalLocal = true)]")]
    [InlineData("[LinearAttention(Heads = 2, Local = false, CausalLocal = false)]")]
    // Groups of one token (given directly, or as 64 groups of the 64-token context): the local block is the token itself.
    [InlineData("[LinearAttention(Heads = 2, GroupSize = 1, CausalLocal = false)]")]
    [InlineData("[LinearAttention(Heads = 2, Groups = 64, CausalLocal = false)]")]
    public Task LDSL2002_is_silent_on_a_masked_or_absent_local_part(string mixer) => Silent(mixer);

    [Fact]
    public Task LDSL2003_fires_on_an_inclusive_global_prefix_and_the_fix_removes_it()
        => Fires("[LinearAttention(Heads = 2, {|#0:InclusiveGlobalPrefix = true|})]",
            "[LinearAttention(Heads = 2)]",
            At("LDSL2003", DiagnosticSeverity.Error));

    [Theory]
    [InlineData("[LinearAttention(Heads = 2, InclusiveGlobalPrefix = false)]")]
    [InlineData("[LinearAttention(Heads = 2, Global = false, InclusiveGlobalPrefix = true)]")]
    public Task LDSL2003_is_silent_on_an_exclusive_or_absent_global_term(string mixer) => Silent(mixer);

    [Fact]
    public Task LDSL2004_fires_on_bidirectional_softmax_and_the_fix_leaves_a_bare_attribute()
        => new FixTest<MixerDeclarationAnalyzer, RemoveNonCausalSettingCodeFix>(
            "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 128, Layers = 2, ContextLength = 64)]\n[SoftmaxAttention({|#0:Bidirectional = true|})]\npublic partial class M;\n",
            "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 128, Layers = 2, ContextLength = 64)]\n[SoftmaxAttention]\npublic partial class M;\n",
            expected: At("LDSL2004", DiagnosticSeverity.Error)).RunAsync();

    [Fact]
    public Task LDSL2004_is_silent_on_causal_softmax() => Silent("[SoftmaxAttention(Heads = 2, Bidirectional = false)]");

    [Fact]
    public Task Several_settings_each_fire_and_fixing_all_removes_them()
        => new FixTest<MixerDeclarationAnalyzer, RemoveNonCausalSettingCodeFix>(
            Head + "[LinearAttention(Heads = 2, {|#0:CausalLocal = false|}, {|#1:InclusiveGlobalPrefix = true|}, ConvTaps = 3, {|#2:ConvPadding = ConvPadding.Centered|})]\npublic partial class M;\n",
            Head + "[LinearAttention(Heads = 2, ConvTaps = 3)]\npublic partial class M;\n",
            expected: [
                At("LDSL2002", DiagnosticSeverity.Error),
                new DiagnosticResult("LDSL2003", DiagnosticSeverity.Error).WithLocation(1),
                new DiagnosticResult("LDSL2001", DiagnosticSeverity.Error).WithLocation(2).WithArguments("Centered", 3, 1),
            ]).RunAsync();
}
