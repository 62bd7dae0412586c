using LinearDsl.Generators.Diagnostics;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The checks of [EncoderModel]'s NormPlacement, TokenTypes and MlmHead and of the MLP kinds that serve encoders and
/// seq2seq models only: each fires once, at the offending text, with a message that names the fix; the fix compiles.
/// </summary>
public sealed class BertLayoutDiagnosticsTests
{
    const string Header = "using LinearDsl;\nnamespace Demo;\n";
    const string CausalLM = "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\n";
    const string Mixer = "[SoftmaxAttention(Heads = 2, Bidirectional = true)]\n";
    const string Class = "public partial class M;";

    static string Encoder(string settings) => $"[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64, MaskTokenId = 32{settings})]\n";

    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        // id, declaration that fires, text the diagnostic points at, its message, the fixed declaration
        {
            Descriptors.InvalidMixerNumberId, Encoder(", TokenTypes = -1") + Mixer + Class, "TokenTypes = -1",
            "EncoderModel.TokenTypes is -1; give the number of token types (segments; BERT has 2), or 0 for none.",
            Encoder(", TokenTypes = 2") + Mixer + Class
        },
        {
            Descriptors.InvalidMixerNumberId, Encoder(", NormPlacement = (NormPlacement)2") + Mixer + Class, "NormPlacement = (NormPlacement)2",
            "EncoderModel.NormPlacement is 2, not a NormPlacement value; use NormPlacement.Pre (the default) or NormPlacement.Post.",
            Encoder(", NormPlacement = NormPlacement.Post") + Mixer + Class
        },
        {
            Descriptors.InvalidMixerNumberId, Encoder(", MlmHead = (MlmHeadKind)(-1)") + Mixer + Class, "MlmHead = (MlmHeadKind)(-1)",
            "EncoderModel.MlmHead is -1, not an MlmHeadKind value; use MlmHeadKind.Linear (the default), MlmHeadKind.Transform or MlmHeadKind.None.",
            Encoder(", MlmHead = MlmHeadKind.None") + Mixer + Class
        },
        {
            Descriptors.ModelCannotRunId, Encoder(", MlmHead = MlmHeadKind.Transform") + Mixer + Class, "MlmHead = MlmHeadKind.Transform",
            "EncoderModel.MlmHead = MlmHeadKind.Transform normalises with a layer norm (BERT's head), but 'M' uses RmsNorm; add [LayerNorm], or use MlmHeadKind.Linear.",
            Encoder(", MlmHead = MlmHeadKind.Transform") + "[LayerNorm]\n" + Mixer + Class
        },
        {
            Descriptors.ModelCannotRunId, CausalLM + "[GeluMlp(Hidden = 32, Exact = true)]\n" + Class, "Exact = true",
            "GeluMlp(Exact = true) on 'M', a [CausalLM], is for encoders and seq2seq models only (a causal LM's fused decode program runs SwiGLU and the tanh GELU); remove Exact = true (the tanh GELU) or use [SwiGlu].",
            CausalLM + "[GeluMlp(Hidden = 32)]\n" + Class
        },
        {
            Descriptors.ModelCannotRunId, CausalLM + "[GeGluMlp(Hidden = 32)]\n" + Class, "GeGluMlp(Hidden = 32)",
            "[GeGluMlp] on 'M', a [CausalLM], is for encoders and seq2seq models only (a causal LM's fused decode program runs SwiGLU and the tanh GELU); use [SwiGlu], the gated MLP the decode program runs.",
            CausalLM + "[SwiGlu(Hidden = 32)]\n" + Class
        },
        {
            Descriptors.ModelCannotRunId, CausalLM + "[ReluMlp]\n" + Class, "ReluMlp",
            "[ReluMlp] on 'M', a [CausalLM], is for encoders and seq2seq models only (a causal LM's fused decode program runs SwiGLU and the tanh GELU); use [SwiGlu] or [GeluMlp].",
            CausalLM + "[GeluMlp]\n" + Class
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fires_once_at_the_offending_text_with_its_message_and_not_on_the_fix(string id, string fires, string at, string message, string fixedDeclaration)
    {
        var source = Header + fires;
        var (run, _) = GeneratorHarness.Run(source);
        var diagnostic = run.Diagnostics.Should().ContainSingle().Subject;
        diagnostic.Id.Should().Be(id);
        source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length).Should().Be(at);
        diagnostic.GetMessage().Should().Be(message);
        run.GeneratedSources.Should().BeEmpty("a declaration with an error is not generated");

        var (fixedRun, compile) = GeneratorHarness.Run(Header + fixedDeclaration);
        fixedRun.Diagnostics.Should().BeEmpty();
        fixedRun.GeneratedSources.Should().ContainSingle();
        compile.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Should().BeEmpty("the generated code compiles without warnings");
    }

    [Theory]
    [InlineData("[GeluMlp(Exact = true)]", "GeluErf", 64)]
    [InlineData("[GeGluMlp]", "GeGlu", 48)]
    [InlineData("[ReluMlp]", "Relu", 64)]
    [InlineData("[ReluMlp(Hidden = 24)]", "Relu", 24)]
    public void Encoders_and_seq2seq_models_take_the_mlp_with_its_default_width(string mlp, string kind, int hidden)
    {
        const string seq2seq = "[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 1, DecoderLayers = 1, ContextLength = 64)]\n[CrossAttention(Heads = 2)]\n"
            + "[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\n";
        foreach (var model in new[] { Encoder("") + Mixer, seq2seq })
        {
            var (run, _) = GeneratorHarness.Run(Header + model + mlp + "\n" + Class);
            run.Diagnostics.Should().BeEmpty();
            run.GeneratedSources.Single().SourceText.ToString().Should()
                .Contain($"Mlp = global::LinearDsl.Runtime.Modeling.MlpKind.{kind},").And.Contain($"MlpHidden = {hidden},");
        }
    }

    [Fact]
    public void The_new_mlp_attributes_without_a_model_are_warned_about()
    {
        foreach (var name in new[] { "GeGluMlp", "ReluMlp" })
        {
            var (run, _) = GeneratorHarness.Run(Header + $"[{name}]\n" + Class);
            run.Diagnostics.Should().ContainSingle().Which.Id.Should().Be(Descriptors.AttributeWithoutModelId);
        }
    }
}
