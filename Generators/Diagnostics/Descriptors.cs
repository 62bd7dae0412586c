using System.Linq;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Diagnostics
{
    /// <summary>
    /// Diagnostics of the model generator: declarations it cannot honour. IDs LDSL1001-LDSL1099 belong to the
    /// generator (analyzers use LDSL2xxx); each has a page at docs/diagnostics/ID.md, linked absolutely from
    /// <see cref="DocsLink.BaseUrl"/>. Formats whose conditions vary take "{0}; {1}.": what is wrong, then the fix.
    /// </summary>
    internal static class Descriptors
    {
        const string Category = "LinearDsl.Generator";
        const string ProblemAndFix = "{0}; {1}.";

        public const string NotPartialId = "LDSL1001";
        public const string InvalidModelNumberId = "LDSL1002";
        public const string MissingMixerId = "LDSL1003";
        public const string LayerCoverageId = "LDSL1004";
        public const string HeadsDoNotDivideId = "LDSL1005";
        public const string KvHeadsDoNotDivideId = "LDSL1006";
        public const string GroupSettingsId = "LDSL1007";
        public const string ConflictingAttributesId = "LDSL1008";
        public const string OptionNotForFeatureMapId = "LDSL1009";
        public const string InvalidMixerNumberId = "LDSL1010";
        public const string UnsupportedClassId = "LDSL1011";
        public const string InvalidDraftId = "LDSL1012";
        public const string DraftNotCheaperId = "LDSL1013";
        public const string GeneratedNameTakenId = "LDSL1014";
        public const string TooLargeId = "LDSL1015";
        public const string AttributeWithoutModelId = "LDSL1016";
        public const string MedusaHeadsSettingsId = "LDSL1017";
        public const string MixerNotCustomId = "LDSL1020";
        public const string MixerAbstractId = "LDSL1021";
        public const string MixerConstructorId = "LDSL1022";
        public const string MixerSettingsId = "LDSL1023";
        public const string NotForThisModelId = "LDSL1030";
        public const string TokenIdOutsideVocabularyId = "LDSL1031";
        public const string CrossAttentionSettingsId = "LDSL1032";
        public const string NonCausalDecoderId = "LDSL1033";
        public const string ModelCannotRunId = "LDSL1034";
        public const string InternalErrorId = "LDSL1099";

        public static readonly DiagnosticDescriptor NotPartial = Create(NotPartialId, "Model class is not partial",
            "'{0}' declares a model but is not partial; add the 'partial' modifier so that the generator can write the rest of the class.",
            "The generator adds the model's members to the class in a second part, which needs the 'partial' modifier.");

        public static readonly DiagnosticDescriptor InvalidModelNumber = Create(InvalidModelNumberId, "Model size is missing or not positive",
            "{0} is {1}; {2}.",
            "VocabSize, Dim, the layer counts (Layers; EncoderLayers and DecoderLayers of a [Seq2SeqModel]) and ContextLength are required and must be positive.");

        public static readonly DiagnosticDescriptor MissingMixer = Create(MissingMixerId, "Model has no token mixer",
            "'{0}' has no token mixer; add [LinearAttention(Heads = ...)] or [SoftmaxAttention(Heads = ...)].",
            "Every layer needs a token mixer: [LinearAttention] or [SoftmaxAttention].");

        public static readonly DiagnosticDescriptor LayerCoverage = Create(LayerCoverageId, "Layers are not covered exactly once by the mixer attributes",
            ProblemAndFix, "Each layer gets exactly one mixer: the one whose Layers lists it, or else the one mixer attribute without Layers.");

        public static readonly DiagnosticDescriptor HeadsDoNotDivide = Create(HeadsDoNotDivideId, "Heads do not divide the model width",
            "{0}.Heads = {1} does not divide Dim = {2}; choose a divisor of {2}.",
            "The width Dim is split into Heads heads of equal size.");

        public static readonly DiagnosticDescriptor KvHeadsDoNotDivide = Create(KvHeadsDoNotDivideId, "KV heads do not divide the heads",
            "{0}.KvHeads = {1} does not divide Heads = {2}; choose a divisor of {2}.",
            "In grouped-query attention every key/value head serves the same number of query heads.");

        public static readonly DiagnosticDescriptor GroupSettings = Create(GroupSettingsId, "Group settings do not fit the context length",
            ProblemAndFix, "Groups (groups per context window) must be a positive divisor of ContextLength; GroupSize (tokens per group) must be positive and at most ContextLength; give at most one of them, or neither for the default.");

        public static readonly DiagnosticDescriptor ConflictingAttributes = Create(ConflictingAttributesId, "Conflicting model attributes",
            "'{0}' has {1}; keep one of them.",
            "A model has one model attribute ([CausalLM], [EncoderModel] or [Seq2SeqModel]), one norm, one kind of positions and one MLP.");

        public static readonly DiagnosticDescriptor OptionNotForFeatureMap = Create(OptionNotForFeatureMapId, "Option does not apply to this feature map",
            ProblemAndFix, "The augmented form's options belong to FeatureMap = L2; FeatureDim and Denominator belong to the plain feature maps.");

        public static readonly DiagnosticDescriptor InvalidMixerNumber = Create(InvalidMixerNumberId, "Setting out of range",
            ProblemAndFix, "A setting has a value the model cannot be built with.");

        public static readonly DiagnosticDescriptor UnsupportedClass = Create(UnsupportedClassId, "Model class shape not supported",
            "'{0}' is {1}; {2}.",
            "Models are declared as non-generic, top-level, non-file-local partial classes.");

        public static readonly DiagnosticDescriptor InvalidDraft = Create(InvalidDraftId, "Draft target is not a declared model",
            ProblemAndFix, "[DraftFor] names a model declared with [CausalLM] that has the draft's vocabulary.");

        public static readonly DiagnosticDescriptor DraftNotCheaper = Create(DraftNotCheaperId, "Draft is not cheaper than its target",
            "'{0}' (Layers x Dim^2 = {1}) is not cheaper than its target '{2}' ({3}); speculative decoding only pays off with a draft that costs a fraction of the target: use fewer layers or a smaller Dim.",
            "Speculative decoding saves time only with a draft that costs a fraction of its target.", DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor GeneratedNameTaken = Create(GeneratedNameTakenId, "A name the generator writes is already taken",
            "{0}, but the generator writes a member named '{1}' into every model; {2}.",
            "The generator adds Config, Create, Save, Load, DecodeProgram (and DraftTarget for drafts) to the model class; the class and its own members cannot use these names.");

        public static readonly DiagnosticDescriptor TooLarge = Create(TooLargeId, "Model is too large to build",
            "{0} = {1} is more than {2}; {3}.",
            "Sizes are computed in 64 bits; a tensor of more than 2147483647 values cannot be held, and the generator writes out at most 4096 layers.");

        public static readonly DiagnosticDescriptor AttributeWithoutModel = Create(AttributeWithoutModelId, "Model attribute without a model declaration",
            "[{0}] on '{1}' is ignored: '{1}' has no [CausalLM], [EncoderModel] or [Seq2SeqModel]; add one to declare a model, or remove [{0}].",
            "Mixer, norm, position, MLP, cross-attention and draft attributes only take effect on a class that also has a model attribute.", DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor MedusaHeadsSettings = Create(MedusaHeadsSettingsId, "Medusa heads setting out of range",
            ProblemAndFix, "[MedusaHeads] takes Count between 1 and 16 heads and Layers between 1 and 8 residual blocks per head.");

        public static readonly DiagnosticDescriptor MixerNotCustom = Create(MixerNotCustomId, "Mixer type is not a CustomMixer",
            "'{0}' in [Mixer<{0}>] is not a CustomMixer<TState>; derive it from LinearDsl.Runtime.Mixers.CustomMixer<TState>, or declare a built-in mixer.",
            "[Mixer<TMixer>] builds a user-defined mixer, which derives from LinearDsl.Runtime.Mixers.CustomMixer<TState>.");

        public static readonly DiagnosticDescriptor MixerAbstract = Create(MixerAbstractId, "Mixer type is abstract",
            "'{0}' in [Mixer<{0}>] is abstract; name a concrete class that derives from it.",
            "Every layer builds an instance of the mixer type, so it cannot be abstract.");

        public static readonly DiagnosticDescriptor MixerConstructor = Create(MixerConstructorId, "Mixer type has no constructor the model can call",
            ProblemAndFix, "A user-defined mixer has exactly one public constructor whose first parameter is the MixerGeometry; its other parameters are an optional RotaryEmbedding and settings of type int, long, float, double, bool or string.");

        public static readonly DiagnosticDescriptor MixerSettings = Create(MixerSettingsId, "Mixer settings do not match the constructor",
            ProblemAndFix, "Settings are pairs of a constructor parameter's name and a constant of its type; every parameter without a default is given.");

        public static readonly DiagnosticDescriptor NotForThisModel = Create(NotForThisModelId, "Attribute or setting does not apply to this kind of model",
            ProblemAndFix, "Stack chooses a stack of a [Seq2SeqModel]; [CrossAttention] belongs to a [Seq2SeqModel]; [MedusaHeads] to a [CausalLM]; [DraftFor] to a model that decodes ([CausalLM] or [Seq2SeqModel]).");

        public static readonly DiagnosticDescriptor TokenIdOutsideVocabulary = Create(TokenIdOutsideVocabularyId, "Special token id outside the vocabulary",
            ProblemAndFix, "An [EncoderModel] needs a MaskTokenId, and a [Seq2SeqModel]'s DecoderStartTokenId is a token; both lie in 0..VocabSize-1.");

        public static readonly DiagnosticDescriptor CrossAttentionSettings = Create(CrossAttentionSettingsId, "Cross-attention setting not supported",
            ProblemAndFix, "[CrossAttention] is softmax (the default) or linear; linear cross-attention takes a plain feature map (EluPlusOne, the default, Relu, Performer, Hedgehog or T2R; not L2), and FeatureMap means nothing to softmax.");

        public static readonly DiagnosticDescriptor NonCausalDecoder = Create(NonCausalDecoderId, "Seq2seq decoder mixer reads later tokens",
            ProblemAndFix, "A seq2seq decoder decodes one token at a time, so the runtime builds only causal decoder mixers; bidirectional settings belong in the encoder stack.");

        public static readonly DiagnosticDescriptor ModelCannotRun = Create(ModelCannotRunId, "MLP or masked-LM head does not fit the rest of the declaration",
            ProblemAndFix, "The exact GELU ([GeluMlp(Exact = true)]), [GeGluMlp] and [ReluMlp] serve encoders and seq2seq models: a causal LM's fused decode program runs SwiGLU and the tanh GELU only. MlmHead = MlmHeadKind.Transform (BERT's head) normalises with a layer norm, so the encoder needs [LayerNorm].");

        public static readonly DiagnosticDescriptor InternalError = Create(InternalErrorId, "The generator failed on this declaration",
            "The LinearDsl generator could not read this declaration ({0}: {1}); please report it with the declaration.",
            "A bug of the generator; the other models are still generated.");

        /// <summary>Every descriptor, for lookups by ID and for the tests.</summary>
        public static readonly DiagnosticDescriptor[] All =
        {
            NotPartial, InvalidModelNumber, MissingMixer, LayerCoverage, HeadsDoNotDivide, KvHeadsDoNotDivide, GroupSettings,
            ConflictingAttributes, OptionNotForFeatureMap, InvalidMixerNumber, UnsupportedClass, InvalidDraft, DraftNotCheaper,
            GeneratedNameTaken, TooLarge, AttributeWithoutModel, MedusaHeadsSettings, MixerNotCustom, MixerAbstract, MixerConstructor, MixerSettings,
            NotForThisModel, TokenIdOutsideVocabulary, CrossAttentionSettings, NonCausalDecoder, ModelCannotRun, InternalError,
        };

        public static DiagnosticDescriptor ById(string id) => All.First(d => d.Id == id);

        static DiagnosticDescriptor Create(string id, string title, string message, string description, DiagnosticSeverity severity = DiagnosticSeverity.Error)
            => new DiagnosticDescriptor(id, title, message, Category, severity, isEnabledByDefault: true, description: description,
                helpLinkUri: DocsLink.BaseUrl + id + ".md");
    }
}
