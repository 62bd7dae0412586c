using LinearDsl.Analyzers.CodeFixes;
using Microsoft.CodeAnalysis;
using static LinearDsl.Analyzers.Tests.TestSetup;

namespace LinearDsl.Analyzers.Tests;

/// <summary>
/// The mixer-declaration rules by the role of the stack a mixer serves: a setting that reads later tokens is an error in
/// a decoder stack (a causal LM's, a seq2seq decoder's, a seq2seq mixer without Stack, which serves both) and allowed
/// in an encoder stack (an [EncoderModel]'s, a seq2seq mixer with Stack = Encoder); a causal-only part in an encoder
/// stack draws the info LDSL2010, and never in a decoder stack.
/// </summary>
public sealed class MixerRoleTests
{
    const string Using = "using LinearDsl;\nnamespace Demo;\n";
    const string CausalLm = "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n";
    const string Encoder = "[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64, MaskTokenId = 32)]\n";
    const string Seq2Seq = "[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 64)]\n";

    /// <summary>A fully bidirectional augmented layer: centred conv, unmasked local block, inclusive global term.</summary>
    const string Bidirectional = "ConvTaps = 3, ConvPadding = ConvPadding.Centered, CausalLocal = false, InclusiveGlobalPrefix = true";

    static string Model(string model, string mixers) => Using + model + mixers + "\npublic partial class M;\n";

    static Task Expect(string model, string mixers, params DiagnosticResult[] expected)
        => new AnalyzerTest<MixerDeclarationAnalyzer>(Model(model, mixers), expected).RunAsync();

    static DiagnosticResult Info(int location, string what, string alternative)
        => new DiagnosticResult("LDSL2010", DiagnosticSeverity.Info).WithLocation(location).WithArguments(what, alternative);

    const string CausalConv = "LinearAttention's causal conv (ConvPadding = ConvPadding.Causal)";
    const string CausalLocal = "LinearAttention's causally masked local attention (CausalLocal = true)";
    const string ExclusiveGlobal = "LinearAttention's global term over earlier groups only (InclusiveGlobalPrefix = false)";
    const string Centre = "set ConvPadding = ConvPadding.Centered for a centred kernel";
    const string Unmask = "set CausalLocal = false for a bidirectional local block";
    const string Include = "set InclusiveGlobalPrefix = true to include each token's own group";
    const string BidirectionalKinds = "[SoftmaxAttention(Bidirectional = true)] or [LinearAttention(FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = true)]";
    const string BothStacks = " in an encoder-only attribute (Stack = ModelStack.Encoder), and give the decoder its own (Stack = ModelStack.Decoder)";

    // Decoder stacks: LDSL2001-LDSL2004 stay errors.

    [Theory]
    [InlineData(", Stack = ModelStack.Decoder")]
    [InlineData(", Stack = ModelStack.Encoder")]   // a Stack on a causal LM does not make it an encoder (the generator reports the Stack)
    public Task On_a_causal_LM_every_non_causal_setting_is_an_error_whatever_Stack_says(string stack)
        => Expect(CausalLm, $"[LinearAttention(Heads = 2, {{|#0:CausalLocal = false|}}, {{|#1:InclusiveGlobalPrefix = true|}}, ConvTaps = 3, {{|#2:ConvPadding = ConvPadding.Centered|}}{stack})]",
            At("LDSL2002", DiagnosticSeverity.Error),
            new DiagnosticResult("LDSL2003", DiagnosticSeverity.Error).WithLocation(1),
            new DiagnosticResult("LDSL2001", DiagnosticSeverity.Error).WithLocation(2).WithArguments("Centered", 3, 1));

    [Fact]
    public Task On_a_seq2seq_decoder_stack_every_non_causal_setting_is_an_error()
        => Expect(Seq2Seq, "[LinearAttention(Heads = 2, Stack = ModelStack.Decoder, {|#0:CausalLocal = false|}, {|#1:InclusiveGlobalPrefix = true|}, ConvTaps = 3, {|#2:ConvPadding = ConvPadding.Right|})]\n"
                + "[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]",
            At("LDSL2002", DiagnosticSeverity.Error),
            new DiagnosticResult("LDSL2003", DiagnosticSeverity.Error).WithLocation(1),
            new DiagnosticResult("LDSL2001", DiagnosticSeverity.Error).WithLocation(2).WithArguments("Right", 3, 2));

    [Fact]
    public Task LDSL2004_fires_on_bidirectional_softmax_in_a_seq2seq_decoder_and_the_fix_removes_it()
        => new FixTest<MixerDeclarationAnalyzer, RemoveNonCausalSettingCodeFix>(
            Model(Seq2Seq, "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder, {|#0:Bidirectional = true|})]\n[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]"),
            Model(Seq2Seq, "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\n[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]"),
            At("LDSL2004", DiagnosticSeverity.Error)).RunAsync();

    [Fact]
    public Task A_seq2seq_mixer_without_Stack_serves_the_decoder_too_so_its_bidirectional_setting_is_an_error()
        => Expect(Seq2Seq, "[SoftmaxAttention(Heads = 2, {|#0:Bidirectional = true|})]", At("LDSL2004", DiagnosticSeverity.Error));

    [Fact]
    public Task Causal_settings_in_decoder_stacks_draw_nothing()
        => Expect(Seq2Seq, "[LinearAttention(Heads = 2, Stack = ModelStack.Decoder)]\n[RetNet(Heads = 2, Stack = ModelStack.Decoder, Layers = new[] { 0 })]\n"
            + "[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]");

    // LDSL2011: bidirectional plain linear attention.

    [Fact]
    public Task LDSL2011_fires_on_bidirectional_linear_attention_in_a_causal_LM_and_the_fix_removes_it()
        => new FixTest<MixerDeclarationAnalyzer, RemoveNonCausalSettingCodeFix>(
            Model(CausalLm, "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, {|#0:Bidirectional = true|})]"),
            Model(CausalLm, "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne)]"),
            At("LDSL2011", DiagnosticSeverity.Error)).RunAsync();

    [Fact]
    public Task LDSL2011_fires_on_bidirectional_linear_attention_in_a_seq2seq_decoder()
        => Expect(Seq2Seq, "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, {|#0:Bidirectional = true|}, Stack = ModelStack.Decoder)]\n"
                + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Bidirectional = true, Stack = ModelStack.Encoder)]",
            At("LDSL2011", DiagnosticSeverity.Error));

    [Fact]
    public Task LDSL2011_is_silent_on_causal_linear_attention_in_a_decoder()
        => Expect(CausalLm, "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Bidirectional = false)]");

    [Fact]
    public Task Bidirectional_linear_attention_is_allowed_in_an_encoder()
        => Expect(Encoder, "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Bidirectional = true)]");

    // Encoder stacks: the same settings are allowed.

    [Fact]
    public Task On_an_encoder_model_every_bidirectional_setting_is_allowed()
        => Expect(Encoder, $"[LinearAttention(Heads = 2, {Bidirectional}, Layers = new[] {{ 0 }})]\n[SoftmaxAttention(Heads = 2, Bidirectional = true)]");

    [Fact]
    public Task On_a_seq2seq_encoder_stack_every_bidirectional_setting_is_allowed()
        => Expect(Seq2Seq, $"[LinearAttention(Heads = 2, {Bidirectional}, Stack = ModelStack.Encoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]");

    [Fact]
    public Task A_Stack_on_an_encoder_model_does_not_make_it_a_decoder()
        => Expect(Encoder, "[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Decoder)]");

    // LDSL2010: causal-only parts in an encoder stack, each named with its alternative.

    [Fact]
    public Task LDSL2010_names_each_causal_part_of_the_augmented_form_at_its_argument_or_the_attribute()
        => Expect(Encoder, "[{|#0:LinearAttention(Heads = 2, {|#1:CausalLocal = true|}, ConvTaps = 3)|}]",
            Info(0, CausalConv, Centre), Info(1, CausalLocal, Unmask), Info(0, ExclusiveGlobal, Include));

    [Fact]
    public Task LDSL2010_is_silent_on_causal_parts_that_take_no_effect()
        // A one-tap conv is the token itself; no local or global term: nothing is hidden.
        => Expect(Encoder, "[LinearAttention(Heads = 2, ConvTaps = 1, Local = false, Global = false)]");

    [Fact]
    public Task LDSL2010_fires_on_causal_softmax_in_an_encoder()
        => Expect(Encoder, "[SoftmaxAttention(Heads = 2, {|#0:Bidirectional = false|})]",
            Info(0, "causal softmax attention (Bidirectional = false)", "set Bidirectional = true"));

    [Fact]
    public Task LDSL2010_fires_on_causal_plain_linear_attention_in_an_encoder()
        => Expect(Encoder, "[{|#0:LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu)|}]",
            Info(0, "causal linear attention (FeatureMap = Relu, Bidirectional = false)", "set Bidirectional = true"));

    [Theory]
    [InlineData("RetNet")]
    [InlineData("Gla")]
    [InlineData("Mamba2")]
    [InlineData("DeltaNet")]
    public Task LDSL2010_fires_on_a_kind_that_is_causal_by_construction_in_an_encoder(string kind)
        => Expect(Encoder, $"[{{|#0:{kind}(Heads = 2)|}}]",
            Info(0, $"{kind}, causal by construction,", "for a bidirectional layer use " + BidirectionalKinds));

    [Theory]
    [InlineData("RetNet")]
    [InlineData("Gla")]
    [InlineData("Mamba2")]
    [InlineData("DeltaNet")]
    public Task A_kind_that_is_causal_by_construction_draws_nothing_in_a_decoder(string kind)
        => Expect(CausalLm, $"[{kind}(Heads = 2)]");

    [Fact]
    public Task LDSL2010_fires_on_a_causal_seq2seq_encoder_stack()
        => Expect(Seq2Seq, "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]".Replace(
                "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder)]", "[{|#0:SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder)|}]"),
            Info(0, "causal softmax attention (Bidirectional = false)", "set Bidirectional = true"));

    [Fact]
    public Task LDSL2010_on_a_seq2seq_mixer_without_Stack_suggests_one_attribute_per_stack()
        => Expect(Seq2Seq, "[{|#0:SoftmaxAttention(Heads = 2)|}]",
            Info(0, "causal softmax attention (Bidirectional = false)", "set Bidirectional = true" + BothStacks));

    // Custom mixers: causal unless their ParallelCore is marked [ForwardPass(Causal = false)] (LDSL2012 in a decoder).

    /// <summary>A user mixer type (a stand-in: the analyzer reads only its ParallelCore's attribute).</summary>
    static string CustomMixer(string name, string attribute) => $$"""

        public class {{name}}
        {
            {{attribute}}
            protected TorchSharp.torch.Tensor ParallelCore(TorchSharp.torch.Tensor q, TorchSharp.torch.Tensor k, TorchSharp.torch.Tensor v) => v;
        }
        """;

    static Task ExpectCustom(string model, string mixer, string types, params DiagnosticResult[] expected)
        => new AnalyzerTest<MixerDeclarationAnalyzer>(Model(model, mixer) + types, expected).RunAsync();

    [Fact]
    public Task LDSL2012_fires_on_a_non_causal_custom_mixer_in_a_causal_LM()
        => ExpectCustom(CausalLm, "[{|#0:Mixer<Bidi>(Heads = 2)|}]", CustomMixer("Bidi", "[ForwardPass(Causal = false)]"),
            At("LDSL2012", DiagnosticSeverity.Error, "Bidi"));

    [Fact]
    public Task LDSL2012_fires_on_a_non_causal_custom_mixer_in_a_seq2seq_decoder_and_not_in_its_encoder()
        => ExpectCustom(Seq2Seq, "[Mixer<Bidi>(Heads = 2, Stack = ModelStack.Encoder)]\n[{|#0:Mixer<Bidi>(Heads = 2, Stack = ModelStack.Decoder)|}]",
            CustomMixer("Bidi", "[ForwardPass(Causal = false, TimeDim = 2, Rank = 4)]"),
            At("LDSL2012", DiagnosticSeverity.Error, "Bidi"));

    [Fact]
    public Task A_non_causal_custom_mixer_in_an_encoder_draws_nothing()
        => ExpectCustom(Encoder, "[Mixer<Bidi>(Heads = 2)]", CustomMixer("Bidi", "[ForwardPass(Causal = false)]"));

    [Fact]
    public Task A_causal_custom_mixer_draws_nothing_in_a_decoder_and_LDSL2010_in_an_encoder()
        => Task.WhenAll(
            ExpectCustom(CausalLm, "[Mixer<Plain>(Heads = 2)]", CustomMixer("Plain", "[ForwardPass(TimeDim = 2, Rank = 4)]")),
            ExpectCustom(Encoder, "[{|#0:Mixer<Plain>(Heads = 2)|}]", CustomMixer("Plain", ""),
                Info(0, "the custom mixer 'Plain', run as a causal mixer,",
                    "if its ParallelCore reads the whole sequence, mark that method [ForwardPass(Causal = false)]; otherwise a bidirectional layer is " + BidirectionalKinds)));
}
