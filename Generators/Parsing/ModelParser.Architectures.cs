using System.Collections.Generic;
using System.Linq;
using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Model;
using LinearDsl.Kinds;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Parsing
{
    /// <summary>
    /// What the three model attributes do not share: an encoder's mask token and pooling, a seq2seq model's stacks,
    /// cross-attention and start token, and the refusal of a Stack on a model that has one stack.
    /// </summary>
    internal sealed partial class ModelParser
    {
        /// <summary>The model attributes' metadata names (the generator runs one pipeline per attribute).</summary>
        public static readonly string[] ModelAttributes = { "LinearDsl.CausalLMAttribute", "LinearDsl.EncoderModelAttribute", "LinearDsl.Seq2SeqModelAttribute" };

        // ModelStack's values (Abstractions/ModelStack.cs) and the enums the config takes, by name.
        const int AllStacks = 0, EncoderStack = 1, DecoderStack = 2;
        static readonly string[] StackNames = { "All", "Encoder", "Decoder" };
        static readonly string[] PoolingNames = { "Mean", "First" };
        static readonly string[] NormPlacements = { "Pre", "Post" };
        static readonly string[] MlmHeads = { "Linear", "Transform", "None" };
        static readonly string[] CrossAttentionKinds = { "Softmax", "Linear" };

        static bool IsModelAttribute(AttributeData attribute)
            => attribute.AttributeClass != null && ModelAttributes.Contains(attribute.AttributeClass.ToDisplayString());

        static ModelArchitecture Architecture(AttributeData model) => Name(model) switch
        {
            "EncoderModelAttribute" => ModelArchitecture.Encoder,
            "Seq2SeqModelAttribute" => ModelArchitecture.Seq2Seq,
            _ => ModelArchitecture.CausalLM,
        };

        /// <summary>"CausalLM", "EncoderModel" or "Seq2SeqModel": the attribute as written.</summary>
        static string ModelName(AttributeData model) => Name(model).Replace("Attribute", "");

        static int StackOf(AttributeData mixer) => Int(mixer, "Stack", AllStacks);

        /// <summary>The one stack of a causal LM or an encoder: every layer's mixer (a Stack on a mixer is refused).</summary>
        EquatableArray<MixerDecl> ResolveStack(AttributeData model, List<AttributeData> mixers, int layers, SizeLimits sizes, MixerCache reader)
        {
            RefuseStacks(mixers, model);
            bool unrollable = sizes.CheckLayers(layers, ArgumentLocation(model, "Layers"), ModelName(model) + ".Layers");
            if (mixers.Count == 0)
            {
                Report(Descriptors.MissingMixerId, _syntax.Identifier.GetLocation(), _type.Name);
                return default;
            }
            if (!unrollable) return default;
            var unused = new List<AttributeData>();
            var resolved = ResolveLayers(mixers, layers, reader, null, unused);
            foreach (var attribute in unused)
            {
                Report(Descriptors.LayerCoverageId, Location(attribute),
                    "This mixer attribute has no Layers, but every layer is already listed by another mixer, so it applies to none", "remove it or list its layers");
            }
            return resolved;
        }

        /// <summary>The encoder and decoder stacks of a seq2seq model, each layer's mixer; the decoder's must be causal.</summary>
        (EquatableArray<MixerDecl> Encoder, EquatableArray<MixerDecl> Decoder) ResolveStacks(
            AttributeData model, List<AttributeData> mixers, int encoderLayers, int decoderLayers, SizeLimits sizes, MixerCache reader)
        {
            var stacks = SplitStacks(mixers);
            bool encoderUnrollable = sizes.CheckLayers(encoderLayers, ArgumentLocation(model, "EncoderLayers"), "Seq2SeqModel.EncoderLayers");
            bool decoderUnrollable = sizes.CheckLayers(decoderLayers, ArgumentLocation(model, "DecoderLayers"), "Seq2SeqModel.DecoderLayers");
            if (mixers.Count == 0)
            {
                Report(Descriptors.MissingMixerId, _syntax.Identifier.GetLocation(), _type.Name);
                return default;
            }
            var unused = new List<AttributeData>();
            var encoder = encoderUnrollable ? ResolveLayers(stacks.Encoder, encoderLayers, reader, "encoder", unused) : default;
            var decoder = decoderUnrollable ? ResolveLayers(stacks.Decoder, decoderLayers, reader, "decoder", unused) : default;
            RefuseNonCausalDecoder(stacks.Decoder, reader);
            // An attribute applies to none when no layer of any stack it serves is left for it.
            foreach (var attribute in unused.Distinct())
            {
                if (StackOf(attribute) == AllStacks && unused.Count(a => ReferenceEquals(a, attribute)) < 2) continue;
                Report(Descriptors.LayerCoverageId, Location(attribute),
                    "This mixer attribute has no Layers, but every layer of its stack is already listed by another mixer, so it applies to none", "remove it or list its layers");
            }
            return (encoder, decoder);
        }

        /// <summary>A seq2seq model's mixers by stack: a mixer without Stack serves both. An unknown Stack value is reported and serves neither.</summary>
        (List<AttributeData> Encoder, List<AttributeData> Decoder) SplitStacks(List<AttributeData> mixers)
        {
            var encoder = new List<AttributeData>();
            var decoder = new List<AttributeData>();
            foreach (var mixer in mixers)
            {
                int stack = StackOf(mixer);
                if (stack < AllStacks || stack > DecoderStack)
                {
                    Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(mixer, "Stack"), $"{MixerPrefix(mixer)}.Stack is {stack}, not a ModelStack value", "use ModelStack.Encoder, ModelStack.Decoder or leave it out for both stacks");
                    continue;
                }
                if (stack != DecoderStack) encoder.Add(mixer);
                if (stack != EncoderStack) decoder.Add(mixer);
            }
            return (encoder, decoder);
        }

        /// <summary>A Stack on a model with one stack would mean nothing: it is reported rather than ignored.</summary>
        void RefuseStacks(List<AttributeData> mixers, AttributeData model)
        {
            foreach (var mixer in mixers.Where(m => StackOf(m) != AllStacks))
            {
                int stack = StackOf(mixer);
                string value = stack > AllStacks && stack <= DecoderStack ? "ModelStack." + StackNames[stack] : stack.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Report(Descriptors.NotForThisModelId, ArgumentLocation(mixer, "Stack"), $"{MixerPrefix(mixer)} sets Stack = {value} on '{_type.Name}', a [{ModelName(model)}], which has one stack",
                    "remove Stack: it chooses between the encoder and decoder stacks of a [Seq2SeqModel]");
            }
        }

        /// <summary>
        /// A seq2seq decoder decodes token by token, so the runtime refuses a decoder mixer that reads later tokens (a
        /// causal LM's is honoured: its parallel form demonstrates the leak). The analyzers report the same setting by
        /// role (LDSL2001-LDSL2004, LDSL2011); this error stands even when theirs is suppressed, since no model could be built.
        /// </summary>
        void RefuseNonCausalDecoder(List<AttributeData> decoderMixers, MixerCache reader)
        {
            foreach (var mixer in decoderMixers)
            {
                if (!(reader.Read(mixer) is MixerDecl decl) || decl.Options.NonCausal().Count == 0) continue;
                var settings = decl.Options.NonCausal();
                Report(Descriptors.NonCausalDecoderId, ArgumentLocation(mixer, settings[0].Name),
                    $"{MixerPrefix(mixer)} sets {string.Join(", ", settings)} in the decoder stack of '{_type.Name}', so each target token would read later ones",
                    StackOf(mixer) == AllStacks
                        ? "a mixer without Stack serves both stacks: give the encoder this attribute with Stack = ModelStack.Encoder, and the decoder a causal one with Stack = ModelStack.Decoder"
                        : "remove the setting (non-causal settings belong in the encoder stack)");
            }
        }

        static string MixerPrefix(AttributeData mixer) => CustomMixerReader.IsCustomMixer(mixer) ? CustomMixerReader.Prefix(mixer) : Name(mixer).Replace("Attribute", "");

        /// <summary>
        /// The runtime's MlpKind of the MLP attribute (SwiGlu without one). GeluErf, GeGlu and Relu serve encoders and
        /// seq2seq models only: a causal LM's fused decode program runs SwiGLU and the tanh GELU, and the runtime refuses
        /// the others there, so they are reported here rather than when Create throws.
        /// </summary>
        string MlpKind(AttributeData? mlp, AttributeData model)
        {
            string kind = (mlp == null ? "" : Name(mlp)) switch
            {
                "GeluMlpAttribute" => Bool(mlp!, "Exact", false) ? "GeluErf" : "Gelu",
                "GeGluMlpAttribute" => "GeGlu",
                "ReluMlpAttribute" => "Relu",
                _ => "SwiGlu",
            };
            if (Architecture(model) == ModelArchitecture.CausalLM && (kind == "GeluErf" || kind == "GeGlu" || kind == "Relu"))
            {
                var (what, where, fix) = kind == "GeluErf"
                    ? ("GeluMlp(Exact = true)", ArgumentLocation(mlp!, "Exact"), "remove Exact = true (the tanh GELU) or use [SwiGlu]")
                    : ($"[{Name(mlp!).Replace("Attribute", "")}]", Location(mlp!), kind == "GeGlu" ? "use [SwiGlu], the gated MLP the decode program runs" : "use [SwiGlu] or [GeluMlp]");
                Report(Descriptors.ModelCannotRunId, where, $"{what} on '{_type.Name}', a [CausalLM], is for encoders and seq2seq models only (a causal LM's fused decode program runs SwiGLU and the tanh GELU)", fix);
            }
            return kind;
        }

        /// <summary>[EncoderModel]'s MaskTokenId (required, inside the vocabulary), Pooling, NormPlacement, TokenTypes and MlmHead.</summary>
        EncoderDecl ReadEncoder(AttributeData model, int vocab, string norm)
        {
            int mask = Int(model, "MaskTokenId", -1);
            if (!IsSet(model, "MaskTokenId"))
            {
                Report(Descriptors.TokenIdOutsideVocabularyId, Location(model), "EncoderModel.MaskTokenId is missing",
                    "give the id that the masked-language-model objective writes over masked tokens, below VocabSize (a byte encoder: VocabSize = 257, MaskTokenId = 256)");
            }
            else if (mask < 0 || (vocab > 0 && mask >= vocab))
            {
                Report(Descriptors.TokenIdOutsideVocabularyId, ArgumentLocation(model, "MaskTokenId"), $"EncoderModel.MaskTokenId = {mask} is outside the vocabulary 0..{vocab - 1}",
                    "give an id below VocabSize (add one to VocabSize for a token of its own)");
            }
            int pooling = Int(model, "Pooling", 0);
            if (pooling < 0 || pooling >= PoolingNames.Length)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(model, "Pooling"), $"EncoderModel.Pooling is {pooling}, not a Pooling value", "use Pooling.Mean (the default) or Pooling.First");
                pooling = 0;
            }
            int placement = Int(model, "NormPlacement", 0);
            if (placement < 0 || placement >= NormPlacements.Length)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(model, "NormPlacement"), $"EncoderModel.NormPlacement is {placement}, not a NormPlacement value", "use NormPlacement.Pre (the default) or NormPlacement.Post");
                placement = 0;
            }
            int tokenTypes = Int(model, "TokenTypes", 0);
            if (tokenTypes < 0)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(model, "TokenTypes"), $"EncoderModel.TokenTypes is {tokenTypes}", "give the number of token types (segments; BERT has 2), or 0 for none");
            }
            int head = Int(model, "MlmHead", 0);
            if (head < 0 || head >= MlmHeads.Length)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(model, "MlmHead"), $"EncoderModel.MlmHead is {head}, not an MlmHeadKind value", "use MlmHeadKind.Linear (the default), MlmHeadKind.Transform or MlmHeadKind.None");
                head = 0;
            }
            else if (MlmHeads[head] == "Transform" && norm != "LayerNorm")
            {
                Report(Descriptors.ModelCannotRunId, ArgumentLocation(model, "MlmHead"), $"EncoderModel.MlmHead = MlmHeadKind.Transform normalises with a layer norm (BERT's head), but '{_type.Name}' uses RmsNorm",
                    "add [LayerNorm], or use MlmHeadKind.Linear");
            }
            return new EncoderDecl(mask, PoolingNames[pooling], NormPlacements[placement], tokenTypes, MlmHeads[head]);
        }

        /// <summary>[Seq2SeqModel]'s DecoderStartTokenId: inside the vocabulary.</summary>
        int ReadDecoderStartToken(AttributeData model, int vocab)
        {
            int start = Int(model, "DecoderStartTokenId", 0);
            if (start < 0 || (vocab > 0 && start >= vocab))
            {
                Report(Descriptors.TokenIdOutsideVocabularyId, ArgumentLocation(model, "DecoderStartTokenId"), $"Seq2SeqModel.DecoderStartTokenId = {start} is outside the vocabulary 0..{vocab - 1}",
                    "give an id below VocabSize (T5 starts with its pad id, 0)");
            }
            return start;
        }

        /// <summary>
        /// [CrossAttention] of a seq2seq model (softmax with the default heads when it is left out); on any other model
        /// it is reported. Linear cross-attention takes a plain feature map (any but L2), at the head size.
        /// </summary>
        CrossAttentionDecl? ReadCrossAttention(List<AttributeData> attributes, AttributeData model, int dim)
        {
            var cross = attributes.FirstOrDefault(a => Name(a) == "CrossAttentionAttribute");
            if (Architecture(model) != ModelArchitecture.Seq2Seq)
            {
                if (cross != null)
                {
                    Report(Descriptors.NotForThisModelId, Location(cross), $"[CrossAttention] on '{_type.Name}', a [{ModelName(model)}]",
                        "remove it, or declare the model with [Seq2SeqModel]: only an encoder-decoder's decoder reads an encoder through cross-attention");
                }
                return null;
            }
            int kind = cross == null ? 0 : Int(cross, "Kind", 0);
            if (kind < 0 || kind >= CrossAttentionKinds.Length)
            {
                Report(Descriptors.CrossAttentionSettingsId, ArgumentLocation(cross!, "Kind"), $"CrossAttention.Kind is {kind}, not a CrossAttentionKind value", "use CrossAttentionKind.Softmax (the default) or CrossAttentionKind.Linear");
                return null;
            }
            int heads = cross == null ? 0 : Int(cross, "Heads", 0);
            int kvHeads = cross == null ? 0 : Int(cross, "KvHeads", 0);
            var location = cross == null ? _syntax.Identifier.GetLocation() : Location(cross);
            if (heads == 0 && (cross == null || !IsSet(cross, "Heads")) && dim > 0)
            {
                if (dim % DefaultHeadSize != 0)
                {
                    Report(Descriptors.InvalidMixerNumberId, location, $"CrossAttention gives no Heads and Dim = {dim} is not a multiple of {DefaultHeadSize} (the default head size)",
                        cross == null ? $"add [CrossAttention(Heads = ...)] with a divisor of {dim}" : $"give Heads, a divisor of {dim}");
                    return null;
                }
                heads = dim / DefaultHeadSize;
            }
            bool valid = true;
            if (heads <= 0)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(cross!, "Heads"), $"CrossAttention.Heads is {heads}", "give a positive number of heads that divides Dim");
                valid = false;
            }
            else if (dim > 0 && dim % heads != 0)
            {
                Report(Descriptors.HeadsDoNotDivideId, ArgumentLocation(cross!, "Heads"), "CrossAttention", Text(heads), Text(dim));
                valid = false;
            }
            if (kvHeads < 0)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(cross!, "KvHeads"), $"CrossAttention.KvHeads is {kvHeads}", "give a positive divisor of Heads, or 0 for as many as Heads");
                valid = false;
            }
            else if (kvHeads > 0 && heads > 0 && heads % kvHeads != 0)
            {
                Report(Descriptors.KvHeadsDoNotDivideId, ArgumentLocation(cross!, "KvHeads"), "CrossAttention", Text(kvHeads), Text(heads));
                valid = false;
            }
            if (kvHeads == 0) kvHeads = heads;
            if (valid && !new SizeLimits(Report).CheckMixer("CrossAttention", heads, kvHeads, dim, location)) valid = false;

            LinearFeatureMap? map = null;
            if (kind == 1)
            {
                int value = cross != null && IsSet(cross, "FeatureMap") ? Int(cross, "FeatureMap", 1) : (int)LinearFeatureMap.EluPlusOne;
                if (value <= (int)LinearFeatureMap.L2 || value > (int)LinearFeatureMap.T2R)
                {
                    string name = value == (int)LinearFeatureMap.L2 ? "L2" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    Report(Descriptors.CrossAttentionSettingsId, ArgumentLocation(cross!, "FeatureMap"), $"CrossAttention.FeatureMap = {name} is not a feature map of linear cross-attention",
                        "use a plain map: EluPlusOne (the default), Relu, Performer, Hedgehog or T2R (L2 is the augmented form, which has no denominator)");
                    return null;
                }
                map = (LinearFeatureMap)value;
            }
            else if (cross != null && IsSet(cross, "FeatureMap"))
            {
                Report(Descriptors.CrossAttentionSettingsId, ArgumentLocation(cross, "FeatureMap"), "CrossAttention.FeatureMap applies only to Kind = CrossAttentionKind.Linear",
                    "remove it, or set Kind = CrossAttentionKind.Linear");
                return null;
            }
            return valid ? new CrossAttentionDecl(CrossAttentionKinds[kind], heads, kvHeads, map) : null;
        }
    }
}
