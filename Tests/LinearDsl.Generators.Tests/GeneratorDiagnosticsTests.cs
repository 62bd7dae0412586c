using LinearDsl.Generators.Diagnostics;

namespace LinearDsl.Generators.Tests;

/// <summary>Every generator diagnostic fires on a declaration it cannot honour, at the offending text, and not on the fixed one.</summary>
public sealed class GeneratorDiagnosticsTests
{
    const string Header = "using LinearDsl;\nnamespace Demo;\n";
    const string Model = "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n";
    const string Encoder = "[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64, MaskTokenId = 32)]\n";
    const string Seq2SeqModel = "[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 64)]\n";
    const string Seq2Seq = Seq2SeqModel + "[CrossAttention(Heads = 2)]\n";
    const string SmallDraft = "[CausalLM(VocabSize = 32, Dim = 8, Layers = 1, ContextLength = 64)]\n";
    // User-defined mixers for [Mixer<T>] (usings inside the file-scoped namespace, before the first type).
    const string MixerUsings = "using LinearDsl.Runtime.Mixers;\nusing static TorchSharp.torch;\n";
    const string Mixers = """

        public sealed class S(TokenMixer owner, long batch, ScalarType dtype, Device device) : CustomMixerState(owner, batch, dtype, device);
        public abstract class Base(MixerGeometry geometry) : CustomMixer<S>("m", geometry)
        {
            protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v) => v;
            protected override S NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);
            protected override Tensor StepState(Tensor q, Tensor k, Tensor v, S state) => v;
        }
        public sealed class Good(MixerGeometry geometry, int maxLength = 8) : Base(geometry) { public int MaxLength => maxLength; }
        public sealed class Required(MixerGeometry geometry, double decay) : Base(geometry) { public double Decay => decay; }
        public sealed class NoGeometry(int heads) : Base(new MixerGeometry(heads, 8));
        """;

    public static TheoryData<string, string, string, string> Cases => new()
    {
        // id, declaration that fires, text the diagnostic points at, the fixed declaration
        { Descriptors.NotPartialId, Model + "[LinearAttention(Heads = 2)]\npublic class M;", "M", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.InvalidModelNumberId, "[CausalLM(VocabSize = 0, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "VocabSize = 0", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.MissingMixerId, Model + "public partial class M;", "M", Model + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.LayerCoverageId, Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0, 0 })]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "Layers = new[] { 0, 0 }", Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]\n[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.HeadsDoNotDivideId, Model + "[LinearAttention(Heads = 3)]\npublic partial class M;", "Heads = 3", Model + "[LinearAttention(Heads = 4)]\npublic partial class M;" },
        { Descriptors.KvHeadsDoNotDivideId, Model + "[LinearAttention(Heads = 4, KvHeads = 3)]\npublic partial class M;", "KvHeads = 3", Model + "[LinearAttention(Heads = 4, KvHeads = 2)]\npublic partial class M;" },
        { Descriptors.GroupSettingsId, Model + "[LinearAttention(Heads = 2, Groups = 5)]\npublic partial class M;", "Groups = 5", Model + "[LinearAttention(Heads = 2, Groups = 4)]\npublic partial class M;" },
        { Descriptors.ConflictingAttributesId, Model + "[RmsNorm, LayerNorm]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "LayerNorm", Model + "[LayerNorm]\n[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.OptionNotForFeatureMapId, Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, DWConv = true)]\npublic partial class M;", "DWConv = true", Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne)]\npublic partial class M;" },
        { Descriptors.InvalidMixerNumberId, Model + "[LinearAttention(Heads = 2, ConvTaps = 0)]\npublic partial class M;", "ConvTaps = 0", Model + "[LinearAttention(Heads = 2, ConvTaps = 1)]\npublic partial class M;" },
        { Descriptors.UnsupportedClassId, "public partial class Outer\n{\n" + Model + "[LinearAttention(Heads = 2)]\npublic partial class M { }\n}", "M", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.InvalidDraftId, Model + "[LinearAttention(Heads = 2)]\n[DraftFor(typeof(string))]\npublic partial class M;", "DraftFor(typeof(string))", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;\n" + SmallDraft + "[LinearAttention(Heads = 2)]\n[DraftFor(typeof(M))]\npublic partial class D;" },
        { Descriptors.GeneratedNameTakenId, Model + "[LinearAttention(Heads = 2)]\npublic partial class M { public static int DecodeProgram => 0; }", "DecodeProgram", Model + "[LinearAttention(Heads = 2)]\npublic partial class M { public static int Program => 0; }" },
        { Descriptors.MixerNotCustomId, MixerUsings + Model + "[Mixer<SoftmaxAttention>(Heads = 2)]\npublic partial class M;" + Mixers, "Mixer<SoftmaxAttention>(Heads = 2)", MixerUsings + Model + "[Mixer<Good>(Heads = 2)]\npublic partial class M;" + Mixers },
        { Descriptors.MixerAbstractId, MixerUsings + Model + "[Mixer<Base>(Heads = 2)]\npublic partial class M;" + Mixers, "Mixer<Base>(Heads = 2)", MixerUsings + Model + "[Mixer<Good>(Heads = 2)]\npublic partial class M;" + Mixers },
        { Descriptors.MixerConstructorId, MixerUsings + Model + "[Mixer<NoGeometry>(Heads = 2)]\npublic partial class M;" + Mixers, "Mixer<NoGeometry>(Heads = 2)", MixerUsings + Model + "[Mixer<Good>(Heads = 2)]\npublic partial class M;" + Mixers },
        { Descriptors.MixerSettingsId, MixerUsings + Model + "[Mixer<Good>(Heads = 2, Settings = new object[] { \"maxLen\", 3 })]\npublic partial class M;" + Mixers, "Settings = new object[] { \"maxLen\", 3 }", MixerUsings + Model + "[Mixer<Good>(Heads = 2, Settings = new object[] { \"maxLength\", 3 })]\npublic partial class M;" + Mixers },
        { Descriptors.TooLargeId, "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[SwiGlu(Hidden = 1073741824)]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "SwiGlu(Hidden = 1073741824)", "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[SwiGlu(Hidden = 1024)]\n[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.MedusaHeadsSettingsId, Model + "[LinearAttention(Heads = 2)]\n[MedusaHeads(Count = 0)]\npublic partial class M;", "Count = 0", Model + "[LinearAttention(Heads = 2)]\n[MedusaHeads(Count = 4)]\npublic partial class M;" },
        { Descriptors.NotForThisModelId, Model + "[LinearAttention(Heads = 2, Stack = ModelStack.Encoder)]\npublic partial class M;", "Stack = ModelStack.Encoder", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.TokenIdOutsideVocabularyId, "[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64, MaskTokenId = 33)]\n[SoftmaxAttention(Heads = 2, Bidirectional = true)]\npublic partial class M;", "MaskTokenId = 33", Encoder + "[SoftmaxAttention(Heads = 2, Bidirectional = true)]\npublic partial class M;" },
        { Descriptors.CrossAttentionSettingsId, Seq2SeqModel + "[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2, FeatureMap = LinearFeatureMap.L2)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "FeatureMap = LinearFeatureMap.L2", Seq2SeqModel + "[CrossAttention(Kind = CrossAttentionKind.Linear, Heads = 2, FeatureMap = LinearFeatureMap.Relu)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.NonCausalDecoderId, Seq2SeqModel + "[CrossAttention(Heads = 2)]\n[SoftmaxAttention(Heads = 2, Bidirectional = true)]\npublic partial class M;", "Bidirectional = true", Seq2SeqModel + "[CrossAttention(Heads = 2)]\n[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\npublic partial class M;" },
        { Descriptors.ModelCannotRunId, Model + "[LinearAttention(Heads = 2)]\n[ReluMlp]\npublic partial class M;", "ReluMlp", Model + "[LinearAttention(Heads = 2)]\n[GeluMlp]\npublic partial class M;" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_fires_at_the_offending_text_and_not_on_the_fix(string id, string fires, string at, string fixedDeclaration)
    {
        var source = Header + fires;
        var (run, _) = GeneratorHarness.Run(source);
        var diagnostic = run.Diagnostics.Should().ContainSingle(d => d.Id == id).Subject;
        var span = diagnostic.Location.SourceSpan;
        diagnostic.Location.GetLineSpan().Path.Should().Be("Model0.cs");
        source.Substring(span.Start, span.Length).Should().Be(at);
        diagnostic.GetMessage().Should().NotBeNullOrWhiteSpace();
        run.GeneratedSources.Should().NotContain(s => s.HintName == "Demo.M.g.cs", "a declaration with an error is not generated");

        var (fixedRun, compile) = GeneratorHarness.Run(Header + fixedDeclaration);
        fixedRun.Diagnostics.Should().BeEmpty();
        fixedRun.GeneratedSources.Should().NotBeEmpty();
        compile.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Should().BeEmpty("the generated code compiles without warnings");
    }

    /// <summary>Further conditions behind the same IDs.</summary>
    public static TheoryData<string, string, string, string> MoreCases => new()
    {
        { Descriptors.InvalidModelNumberId, "[CausalLM(Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "CausalLM(Dim = 16, Layers = 2, ContextLength = 64)", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.LayerCoverageId, Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0, 2 })]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "Layers = new[] { 0, 2 }", Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]\n[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.LayerCoverageId, Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]\npublic partial class M;", "M", Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0, 1 })]\npublic partial class M;" },
        { Descriptors.LayerCoverageId, Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0, 1 })]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "LinearAttention(Heads = 2)", Model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 0, 1 })]\npublic partial class M;" },
        { Descriptors.GroupSettingsId, Model + "[LinearAttention(Heads = 2, Groups = 4, GroupSize = 16)]\npublic partial class M;", "GroupSize = 16", Model + "[LinearAttention(Heads = 2, GroupSize = 16)]\npublic partial class M;" },
        { Descriptors.GroupSettingsId, Model + "[LinearAttention(Heads = 2, GroupSize = 65)]\npublic partial class M;", "GroupSize = 65", Model + "[LinearAttention(Heads = 2, GroupSize = 64)]\npublic partial class M;" },
        { Descriptors.GroupSettingsId, Model + "[LinearAttention(Heads = 2, Groups = 0)]\npublic partial class M;", "Groups = 0", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.GroupSettingsId, Model + "[LinearAttention(Heads = 2, GroupSize = 0)]\npublic partial class M;", "GroupSize = 0", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.UnsupportedClassId, Model + "[LinearAttention(Heads = 2)]\nfile partial class M;", "M", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.OptionNotForFeatureMapId, Model + "[LinearAttention(Heads = 2, Denominator = true)]\npublic partial class M;", "Denominator = true", Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Denominator = true)]\npublic partial class M;" },
        { Descriptors.OptionNotForFeatureMapId, Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, FeatureDim = 4)]\npublic partial class M;", "FeatureDim = 4", Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.T2R, FeatureDim = 4)]\npublic partial class M;" },
        { Descriptors.OptionNotForFeatureMapId, Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, ConvPadding = ConvPadding.Causal)]\npublic partial class M;", "ConvPadding = ConvPadding.Causal", Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu)]\npublic partial class M;" },
        { Descriptors.OptionNotForFeatureMapId, Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Performer, CausalLocal = true)]\npublic partial class M;", "CausalLocal = true", Model + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Performer)]\npublic partial class M;" },
        { Descriptors.InvalidMixerNumberId, Model + "[LinearAttention(Heads = 2, ConvPadding = (ConvPadding)7)]\npublic partial class M;", "ConvPadding = (ConvPadding)7", Model + "[LinearAttention(Heads = 2, ConvPadding = ConvPadding.Causal)]\npublic partial class M;" },
        { Descriptors.InvalidMixerNumberId, Model + "[LinearAttention(Heads = 16)]\npublic partial class M;", "Heads = 16", Model + "[NoPositions]\n[LinearAttention(Heads = 16)]\npublic partial class M;" },
        { Descriptors.InvalidMixerNumberId, Model + "[LinearAttention(DWConv = true)]\npublic partial class M;", "LinearAttention(DWConv = true)", Model + "[LinearAttention(Heads = 2, DWConv = true)]\npublic partial class M;" },
        { Descriptors.InvalidMixerNumberId, Model + "[Rotary(Theta = double.PositiveInfinity)]\n[LinearAttention(Heads = 2)]\npublic partial class M;", "Theta = double.PositiveInfinity", Model + "[Rotary(Theta = 500000)]\n[LinearAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.MixerSettingsId, MixerUsings + Model + "[Mixer<Good>(Heads = 2, Settings = new object[] { \"maxLength\" })]\npublic partial class M;" + Mixers, "Settings = new object[] { \"maxLength\" }", MixerUsings + Model + "[Mixer<Good>(Heads = 2, Settings = new object[] { \"maxLength\", 3 })]\npublic partial class M;" + Mixers },
        { Descriptors.MixerSettingsId, MixerUsings + Model + "[Mixer<Good>(Heads = 2, Settings = new object[] { \"maxLength\", 1.5 })]\npublic partial class M;" + Mixers, "Settings = new object[] { \"maxLength\", 1.5 }", MixerUsings + Model + "[Mixer<Good>(Heads = 2, Settings = new object[] { \"maxLength\", 2 })]\npublic partial class M;" + Mixers },
        { Descriptors.MixerSettingsId, MixerUsings + Model + "[Mixer<Good>(Heads = 2, Settings = new object[] { \"maxLength\", 2, \"maxLength\", 3 })]\npublic partial class M;" + Mixers, "Settings = new object[] { \"maxLength\", 2, \"maxLength\", 3 }", MixerUsings + Model + "[Mixer<Good>(Heads = 2)]\npublic partial class M;" + Mixers },
        { Descriptors.MixerSettingsId, MixerUsings + Model + "[Mixer<Required>(Heads = 2)]\npublic partial class M;" + Mixers, "Mixer<Required>(Heads = 2)", MixerUsings + Model + "[Mixer<Required>(Heads = 2, Settings = new object[] { \"decay\", 1 })]\npublic partial class M;" + Mixers },
        { Descriptors.LayerCoverageId, MixerUsings + Model + "[Mixer<Good>(Heads = 2, Layers = new[] { 0 })]\npublic partial class M;" + Mixers, "M", MixerUsings + Model + "[Mixer<Good>(Heads = 2, Layers = new[] { 0 })]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;" + Mixers },
        { Descriptors.UnsupportedClassId, Model + "[LinearAttention(Heads = 2)]\npublic partial record M;", "M", Model + "[LinearAttention(Heads = 2)]\npublic partial class M;" },
        // Encoders and encoder-decoders.
        { Descriptors.ConflictingAttributesId, Model + "[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64, MaskTokenId = 32)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64, MaskTokenId = 32)", Model + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.InvalidModelNumberId, "[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 0, DecoderLayers = 2, ContextLength = 64)]\n[CrossAttention(Heads = 2)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder)]\npublic partial class M;", "EncoderLayers = 0", Seq2Seq + "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder)]\npublic partial class M;" },
        { Descriptors.LayerCoverageId, Seq2Seq + "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\npublic partial class M;", "M", Seq2Seq + "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\n[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]\npublic partial class M;" },
        { Descriptors.LayerCoverageId, Seq2Seq + "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder, Layers = new[] { 2 })]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "Layers = new[] { 2 }", Seq2Seq + "[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder, Layers = new[] { 1 })]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        // A mixer for one stack that its stack leaves no layer for; fixed, a mixer for both stacks that only the decoder uses is fine.
        { Descriptors.LayerCoverageId, Seq2Seq + "[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder, Layers = new[] { 0, 1 })]\n[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Decoder)]\npublic partial class M;", "SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder)", Seq2Seq + "[SoftmaxAttention(Heads = 2, Bidirectional = true, Stack = ModelStack.Encoder, Layers = new[] { 0, 1 })]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.NotForThisModelId, Encoder + "[SoftmaxAttention(Heads = 2)]\n[CrossAttention(Heads = 2)]\npublic partial class M;", "CrossAttention(Heads = 2)", Encoder + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.NotForThisModelId, Encoder + "[SoftmaxAttention(Heads = 2)]\n[MedusaHeads(Count = 2)]\npublic partial class M;", "MedusaHeads(Count = 2)", Encoder + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.NotForThisModelId, Model + "[LinearAttention(Heads = 2)]\npublic partial class T;\n" + Encoder + "[SoftmaxAttention(Heads = 2)]\n[DraftFor(typeof(T))]\npublic partial class M;", "DraftFor(typeof(T))", Model + "[LinearAttention(Heads = 2)]\npublic partial class T;\n" + Encoder + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.InvalidDraftId, Model + "[LinearAttention(Heads = 2)]\npublic partial class T;\n" + Seq2Seq + "[SoftmaxAttention(Heads = 2)]\n[DraftFor(typeof(T))]\npublic partial class M;", "DraftFor(typeof(T))", Model + "[LinearAttention(Heads = 2)]\npublic partial class T;\n" + Seq2Seq + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.TokenIdOutsideVocabularyId, "[EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "EncoderModel(VocabSize = 33, Dim = 16, Layers = 2, ContextLength = 64)", Encoder + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.TokenIdOutsideVocabularyId, "[Seq2SeqModel(VocabSize = 32, Dim = 16, EncoderLayers = 2, DecoderLayers = 2, ContextLength = 64, DecoderStartTokenId = -1)]\n[CrossAttention(Heads = 2)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "DecoderStartTokenId = -1", Seq2Seq + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.CrossAttentionSettingsId, Seq2SeqModel + "[CrossAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "FeatureMap = LinearFeatureMap.Relu", Seq2SeqModel + "[CrossAttention(Heads = 2)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.HeadsDoNotDivideId, Seq2SeqModel + "[CrossAttention(Heads = 3)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "Heads = 3", Seq2SeqModel + "[CrossAttention(Heads = 4)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.InvalidMixerNumberId, Seq2SeqModel + "[SoftmaxAttention(Heads = 2)]\npublic partial class M;", "M", Seq2SeqModel + "[CrossAttention(Heads = 2)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class M;" },
        { Descriptors.NonCausalDecoderId, Seq2Seq + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Bidirectional = true, Stack = ModelStack.Decoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder)]\npublic partial class M;", "Bidirectional = true", Seq2Seq + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.Relu, Stack = ModelStack.Decoder)]\n[SoftmaxAttention(Heads = 2, Stack = ModelStack.Encoder)]\npublic partial class M;" },
        { Descriptors.OptionNotForFeatureMapId, Encoder + "[LinearAttention(Heads = 2, Bidirectional = true)]\npublic partial class M;", "Bidirectional = true", Encoder + "[LinearAttention(Heads = 2, FeatureMap = LinearFeatureMap.EluPlusOne, Bidirectional = true)]\npublic partial class M;" },
        { Descriptors.InvalidDraftId, "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class T;\n[CausalLM(VocabSize = 33, Dim = 16, Layers = 1, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\n[DraftFor(typeof(T))]\npublic partial class M;", "DraftFor(typeof(T))", Model + "[LinearAttention(Heads = 2)]\npublic partial class T;\n" + SmallDraft + "[LinearAttention(Heads = 2)]\n[DraftFor(typeof(T))]\npublic partial class M;" },
    };

    [Theory]
    [MemberData(nameof(MoreCases))]
    public void Further_conditions_fire_and_their_fixes_do_not(string id, string fires, string at, string fixedDeclaration)
        => Diagnostic_fires_at_the_offending_text_and_not_on_the_fix(id, fires, at, fixedDeclaration);

    [Fact]
    public void Every_generator_diagnostic_has_a_case()
    {
        // LDSL1099 reports a bug of the generator itself; no declaration should reach it (the fuzz tests check that).
        var ids = typeof(Descriptors).GetFields().Where(f => f.Name.EndsWith("Id") && f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)
            .Where(id => id != Descriptors.InternalErrorId);
        // LDSL1013 and LDSL1016 are warnings (LDSL1013's model is still generated); they have their own tests below.
        ids.Should().BeEquivalentTo(Cases.Select(c => (string)c[0]).Append(Descriptors.DraftNotCheaperId).Append(Descriptors.AttributeWithoutModelId));
    }

    [Fact]
    public void A_draft_as_large_as_its_target_is_warned_about_and_still_generated()
    {
        const string target = "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class T;\n";
        var (run, compile) = GeneratorHarness.Run(Header + target + "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\n[DraftFor(typeof(T))]\npublic partial class D;");
        var warning = run.Diagnostics.Should().ContainSingle().Subject;
        warning.Id.Should().Be(Descriptors.DraftNotCheaperId);
        warning.Severity.Should().Be(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        warning.GetMessage().Should().Be("'D' (Layers x Dim^2 = 512) is not cheaper than its target 'T' (512); speculative decoding only pays off with a draft that costs a fraction of the target: use fewer layers or a smaller Dim.");
        run.GeneratedSources.Select(s => s.HintName).Should().Contain("Demo.D.g.cs");

        var (cheaper, _) = GeneratorHarness.Run(Header + target + "[CausalLM(VocabSize = 32, Dim = 8, Layers = 1, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\n[DraftFor(typeof(T))]\npublic partial class D;");
        cheaper.Diagnostics.Should().BeEmpty();
    }

    [Theory]
    [InlineData("[LinearAttention(Heads = 2)]", "LinearAttention")]
    [InlineData("[SoftmaxAttention(Heads = 2, Layers = new[] { 0 })]", "SoftmaxAttention")]
    [InlineData("[RmsNorm(Eps = 1e-6)]", "RmsNorm")]
    [InlineData("[Mixer<object>(Heads = 2)]", "Mixer")]
    [InlineData("[CrossAttention(Kind = CrossAttentionKind.Linear)]", "CrossAttention")]
    public void A_model_attribute_without_CausalLM_is_warned_about(string attribute, string name)
    {
        var source = Header + attribute + "\npublic partial class M;";
        var (run, _) = GeneratorHarness.Run(source);
        var warning = run.Diagnostics.Should().ContainSingle().Subject;
        warning.Id.Should().Be(Descriptors.AttributeWithoutModelId);
        warning.Severity.Should().Be(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        source.Substring(warning.Location.SourceSpan.Start, warning.Location.SourceSpan.Length).Should().Be(attribute.Trim('[', ']'));
        warning.GetMessage().Should().Be($"[{name}] on 'M' is ignored: 'M' has no [CausalLM], [EncoderModel] or [Seq2SeqModel]; add one to declare a model, or remove [{name}].");

        // [CausalLM] on another part of the class counts.
        var (declared, _) = GeneratorHarness.Run(Header + attribute + "\npublic partial class M;\n" + Model + "[LinearAttention(Heads = 2)]\npublic partial class M;");
        declared.Diagnostics.Should().NotContain(d => d.Id == Descriptors.AttributeWithoutModelId);
        // So do [EncoderModel] and [Seq2SeqModel].
        foreach (var model in new[] { Encoder, Seq2Seq })
        {
            var (other, _) = GeneratorHarness.Run(Header + attribute + "\npublic partial class M;\n" + model + "[SoftmaxAttention(Heads = 2, Layers = new[] { 1 })]\npublic partial class M;");
            other.Diagnostics.Should().NotContain(d => d.Id == Descriptors.AttributeWithoutModelId);
        }
    }

    [Fact]
    public void The_design_cards_declaration_compiles_and_means_the_papers_split()
    {
        // Heads left out: heads of 64. Groups = 4 per 1024-token window: groups of 256 tokens.
        var (run, compile) = GeneratorHarness.Run(Header + "[CausalLM(VocabSize = 256, Dim = 128, Layers = 2, ContextLength = 1024)]\n[LinearAttention(Groups = 4, DWConv = true)]\npublic partial class Card;");
        run.Diagnostics.Should().BeEmpty();
        compile.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Should().BeEmpty();
        var text = run.GeneratedSources.Single().SourceText.ToString();
        text.Should().Contain("MixerSpec.Of(2, new global::LinearDsl.Runtime.Mixers.AugmentedLinearAttentionOptions { GroupSize = 256, Local = true, Global = true, Conv = true, ConvTaps = 32");
    }

    [Fact]
    public void Messages_name_the_property_value_and_the_fix()
    {
        var (run, _) = GeneratorHarness.Run(Header + Model + "[LinearAttention(Heads = 3)]\npublic partial class M;");
        run.Diagnostics.Single().GetMessage().Should().Be("LinearAttention.Heads = 3 does not divide Dim = 16; choose a divisor of 16.");
    }
}
