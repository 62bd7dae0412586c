using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Model;
using LinearDsl.Kinds;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LinearDsl.Generators.Parsing
{
    /// <summary>
    /// Reads the LinearDsl attributes of one class into a <see cref="ModelSpec"/>. Every value is checked; what
    /// cannot be honoured becomes a diagnostic (and no spec), never an exception or a guessed value. The settings of
    /// encoders and encoder-decoders are read in ModelParser.Architectures.cs.
    /// </summary>
    internal sealed partial class ModelParser
    {
        const string Namespace = "LinearDsl";
        const int DefaultHeadSize = 64;
        // The runtime's MedusaSpec.MaxCount and MaxLayers (the generator does not reference the runtime).
        const int MaxMedusaHeads = 16;
        const int MaxMedusaLayers = 8;

        readonly INamedTypeSymbol _type;
        readonly ClassDeclarationSyntax _syntax;
        readonly List<DiagnosticInfo> _diagnostics = new List<DiagnosticInfo>();
        // Diagnostics that do not block generation (reported alongside, after the errors): advice, and a duplicate
        // [CausalLM] whose compiler error already stops the build.
        readonly List<DiagnosticInfo> _warnings = new List<DiagnosticInfo>();

        ModelParser(INamedTypeSymbol type, ClassDeclarationSyntax syntax)
        {
            _type = type;
            _syntax = syntax;
        }

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (!(context.TargetSymbol is INamedTypeSymbol type)) return new ParseResult(null, default);
            if (!(context.TargetNode is ClassDeclarationSyntax syntax))
            {
                var node = (TypeDeclarationSyntax)context.TargetNode;
                var info = DiagnosticInfo.Create(Descriptors.UnsupportedClassId, node.Identifier.GetLocation(), type.Name,
                    "declared as " + (node is RecordDeclarationSyntax ? "a record" : node is InterfaceDeclarationSyntax ? "an interface" : "a " + node.Keyword.ValueText),
                    "declare models as partial classes");
                return new ParseResult(null, new[] { info }.ToEquatableArray());
            }
            // This pipeline's model attribute ([CausalLM], [EncoderModel] or [Seq2SeqModel]) on two parts of a class (the
            // compiler adds CS0579): the part with the first one generates the model once and reports the others; a
            // target reached through another part adds nothing.
            string metadataName = context.Attributes.First().AttributeClass!.ToDisplayString();
            var all = type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == metadataName && a.ApplicationSyntaxReference != null).ToList();
            if (all.Count > 0 && !Declares(syntax, all[0])) return new ParseResult(null, default);
            var model = all.Count > 0 ? all[0] : context.Attributes.First();
            // Two different model attributes: the pipeline of the first one reports the second, and neither generates.
            var kinds = type.GetAttributes().Where(IsModelAttribute).ToList();
            var other = kinds.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() != metadataName);
            if (other != null)
            {
                if (kinds[0].AttributeClass?.ToDisplayString() != metadataName) return new ParseResult(null, default);
                var conflict = DiagnosticInfo.Create(Descriptors.ConflictingAttributesId, other.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation(),
                    type.Name, $"both [{ModelName(model)}] and [{ModelName(other)}]");
                return new ParseResult(null, new[] { conflict }.ToEquatableArray());
            }
            var parser = new ModelParser(type, syntax);
            foreach (var duplicate in all.Skip(1))
            {
                parser._warnings.Add(DiagnosticInfo.Create(Descriptors.ConflictingAttributesId,
                    duplicate.ApplicationSyntaxReference!.GetSyntax(cancellationToken).GetLocation(), type.Name, $"[{ModelName(model)}] on more than one part"));
            }
            var spec = parser.Read(model, cancellationToken);
            if (spec != null) spec = GeneratedNames.Apply(spec, type, syntax, context.SemanticModel, parser._diagnostics);
            return new ParseResult(parser._diagnostics.Count == 0 ? spec : null, parser._diagnostics.Concat(parser._warnings).ToEquatableArray());
        }

        /// <summary>Whether this part of the class carries the attribute (the target is reached once per part).</summary>
        static bool Declares(ClassDeclarationSyntax part, AttributeData attribute)
            => attribute.ApplicationSyntaxReference is SyntaxReference reference
                && reference.SyntaxTree == part.SyntaxTree && part.AttributeLists.Any(list => list.Span.Contains(reference.Span));

        ModelSpec? Read(AttributeData model, CancellationToken cancellationToken)
        {
            var architecture = Architecture(model);
            if (!_syntax.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword)))
            {
                Report(Descriptors.NotPartialId, _syntax.Identifier.GetLocation(), _type.Name);
                return null;
            }
            if (_type.ContainingType != null || _type.TypeParameters.Length > 0)
            {
                Report(Descriptors.UnsupportedClassId, _syntax.Identifier.GetLocation(),
                    _type.Name, _type.ContainingType != null ? "nested in another type" : "generic", "declare models as non-generic top-level classes");
                return null;
            }
            if (_type.IsFileLocal)
            {
                // The generated part lives in another file, where a file-local class is a different type.
                Report(Descriptors.UnsupportedClassId, _syntax.Identifier.GetLocation(),
                    _type.Name, "file-local (declared with 'file')", "the generator writes the model's members in another file, which cannot reach a file-local class, so remove 'file'");
                return null;
            }

            int vocab = PositiveModelNumber(model, "VocabSize");
            int dim = PositiveModelNumber(model, "Dim");
            // A seq2seq model's top-level layers are its decoder's (the runtime's ModelConfig reads them the same way).
            int layers = PositiveModelNumber(model, architecture == ModelArchitecture.Seq2Seq ? "DecoderLayers" : "Layers");
            int encoderLayers = architecture == ModelArchitecture.Seq2Seq ? PositiveModelNumber(model, "EncoderLayers") : 0;
            int context = PositiveModelNumber(model, "ContextLength");
            bool tied = Bool(model, "TiedEmbeddings", false);
            // [CausalLM] has no AttentionBias: its generated decode program has no bias terms.
            bool attentionBias = architecture != ModelArchitecture.CausalLM && Bool(model, "AttentionBias", false);

            var attributes = _type.GetAttributes().Where(IsOurs).ToList();
            var norm = Single(attributes, "RmsNormAttribute", "LayerNormAttribute");
            var positions = Single(attributes, "RotaryAttribute", "LearnedPositionsAttribute", "NoPositionsAttribute");
            var mlp = Single(attributes, "SwiGluAttribute", "GeluMlpAttribute", "GeGluMlpAttribute", "ReluMlpAttribute");
            var mixers = attributes.Where(a => MixerKinds.IsMixerAttribute(Name(a).Replace("Attribute", "")) || CustomMixerReader.IsCustomMixer(a)).ToList();
            cancellationToken.ThrowIfCancellationRequested();

            string normKind = norm != null && Name(norm) == "LayerNormAttribute" ? "LayerNorm" : "RmsNorm";
            double normEps = norm == null ? 1e-5 : Double(norm, "Eps", 1e-5);
            if (!(normEps > 0) || double.IsInfinity(normEps)) Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(norm!, "Eps"), $"{Name(norm!).Replace("Attribute", "")}.Eps is {Format(normEps)}", "it must be positive and finite, or the norm divides by zero");

            string positionKind = positions == null ? "Rotary" : Name(positions) switch
            {
                "LearnedPositionsAttribute" => "Learned",
                "NoPositionsAttribute" => "None",
                _ => "Rotary",
            };
            double theta = positions != null && positionKind == "Rotary" ? Double(positions, "Theta", 10000) : 10000;
            if (!(theta > 1) || double.IsInfinity(theta)) Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(positions!, "Theta"), $"Rotary.Theta is {Format(theta)}", "it must be finite and greater than 1");

            string mlpKind = MlpKind(mlp, model);
            int hidden = mlp == null ? 0 : Int(mlp, "Hidden", 0);
            if (hidden < 0) Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(mlp!, "Hidden"), $"{Name(mlp!).Replace("Attribute", "")}.Hidden is {hidden}", "it must be positive, or 0 for the default width");
            if (hidden == 0 && dim > 0)
            {
                // Gated MLPs (three matrices) default to 8/3 of the width, ungated ones (two) to four times it.
                bool gated = mlpKind == "SwiGlu" || mlpKind == "GeGlu";
                long width = gated ? (8L * dim / 3 + 7) / 8 * 8 : 4L * dim;
                if (width > int.MaxValue) Report(Descriptors.InvalidMixerNumberId, Location(model), $"The default MLP width for Dim = {dim} is {width}, more than a tensor dimension can hold", "give a smaller Dim or an explicit Hidden");
                else hidden = (int)width;
            }

            var sizes = new SizeLimits(Report);
            var mixerReader = new MixerCache(this, dim, context, positionKind);
            EquatableArray<MixerDecl> layerMixers, encoderMixers = default;
            if (architecture == ModelArchitecture.Seq2Seq) (encoderMixers, layerMixers) = ResolveStacks(model, mixers, encoderLayers, layers, sizes, mixerReader);
            else layerMixers = ResolveStack(model, mixers, layers, sizes, mixerReader);
            sizes.CheckModel(vocab, dim, context, positionKind == "Learned", Location(model));
            sizes.CheckMlp(hidden, dim, mlp != null && IsSet(mlp, "Hidden") ? Location(mlp) : Location(model));
            string? draftTarget = ReadDraft(attributes, model, vocab, dim, layers);
            var medusa = ReadMedusa(attributes, model);
            var encoder = architecture == ModelArchitecture.Encoder ? ReadEncoder(model, vocab, normKind) : null;
            var crossAttention = ReadCrossAttention(attributes, model, dim);
            int startToken = architecture == ModelArchitecture.Seq2Seq ? ReadDecoderStartToken(model, vocab) : 0;

            if (_diagnostics.Count > 0) return null;
            return new ModelSpec(
                NamespaceName(_type.ContainingNamespace),
                _type.Name,
                vocab, dim, layers, context, tied, normKind, normEps, positionKind, theta, mlpKind, hidden,
                layerMixers, draftTarget)
            {
                Medusa = medusa,
                AttentionBias = attentionBias,
                Architecture = architecture,
                Encoder = encoder,
                Seq2Seq = architecture == ModelArchitecture.Seq2Seq ? new Seq2SeqDecl(encoderLayers, encoderMixers, crossAttention!, startToken) : null,
            };
        }

        /// <summary>[MedusaHeads]: Count 1..16 heads, Layers 1..8 residual blocks each (the runtime's MedusaSpec limits); causal LMs only.</summary>
        MedusaDecl? ReadMedusa(List<AttributeData> attributes, AttributeData model)
        {
            var heads = attributes.FirstOrDefault(a => Name(a) == "MedusaHeadsAttribute");
            if (heads == null) return null;
            if (Architecture(model) != ModelArchitecture.CausalLM)
            {
                Report(Descriptors.NotForThisModelId, Location(heads), $"[MedusaHeads] on '{_type.Name}', a [{ModelName(model)}]",
                    "remove it: Medusa heads propose the next tokens of a causal LM's decoding");
                return null;
            }
            int count = Int(heads, "Count", 4), blocks = Int(heads, "Layers", 1);
            if (count < 1 || count > MaxMedusaHeads)
                Report(Descriptors.MedusaHeadsSettingsId, ArgumentLocation(heads, "Count"), $"MedusaHeads.Count is {count}", $"give between 1 and {MaxMedusaHeads} heads (head i proposes the token i + 2 positions ahead; acceptance falls fast with distance)");
            if (blocks < 1 || blocks > MaxMedusaLayers)
                Report(Descriptors.MedusaHeadsSettingsId, ArgumentLocation(heads, "Layers"), $"MedusaHeads.Layers is {blocks}", $"give between 1 and {MaxMedusaLayers} residual blocks per head");
            return new MedusaDecl(count, blocks, Bool(heads, "Float16Storage", false));
        }

        /// <summary>
        /// One mixer per layer of a stack: the attribute whose Layers lists it, or else the one attribute without Layers.
        /// <paramref name="stack"/> names the stack in messages ("encoder", "decoder"; null for a model with one stack).
        /// An attribute without Layers that no layer is left for is added to <paramref name="unused"/>.
        /// </summary>
        EquatableArray<MixerDecl> ResolveLayers(List<AttributeData> mixers, int layers, MixerCache reader, string? stack, List<AttributeData> unused)
        {
            string ofStack = stack == null ? "" : $" of the {stack} stack";
            var perLayer = new MixerDecl?[Math.Max(layers, 0)];
            var claimedBy = new AttributeData?[perLayer.Length];
            AttributeData? fallback = null;
            MixerDecl? fallbackDecl = null;
            foreach (var attribute in mixers)
            {
                var decl = reader.Read(attribute);
                var listed = IntArray(attribute, "Layers");
                if (listed.Length == 0)
                {
                    if (fallback != null)
                    {
                        Report(Descriptors.LayerCoverageId, Location(attribute),
                            $"'{_type.Name}' has two mixer attributes without Layers{(stack == null ? "" : " for its " + stack + " stack")}", "give all but one of them the layers they apply to (for example Layers = new[] { 0 })");
                        continue;
                    }
                    fallback = attribute;
                    fallbackDecl = decl;
                    continue;
                }
                foreach (int layer in listed)
                {
                    if (layer < 0 || layer >= perLayer.Length)
                    {
                        Report(Descriptors.LayerCoverageId, ArgumentLocation(attribute, "Layers"),
                            $"Layers lists layer {layer}, but the {stack ?? "model"}{(stack == null ? "" : " stack")} has layers 0..{layers - 1}", "use an index in that range");
                    }
                    else if (claimedBy[layer] != null)
                    {
                        Report(Descriptors.LayerCoverageId, ArgumentLocation(attribute, "Layers"), ReferenceEquals(claimedBy[layer], attribute)
                            ? $"Layers lists layer {layer} twice"
                            : $"Layer {layer}{ofStack} is listed by two mixer attributes", "list each layer once");
                    }
                    else
                    {
                        // Claimed even when the mixer has its own error, so that no second, misleading error follows.
                        claimedBy[layer] = attribute;
                        perLayer[layer] = decl;
                    }
                }
            }
            var uncovered = Enumerable.Range(0, perLayer.Length).Where(i => claimedBy[i] == null).ToList();
            if (fallback != null && uncovered.Count == 0 && perLayer.Length > 0) unused.Add(fallback);
            if (uncovered.Count > 0)
            {
                if (fallback == null)
                {
                    Report(Descriptors.LayerCoverageId, _syntax.Identifier.GetLocation(),
                        $"No mixer covers layer(s) {string.Join(", ", uncovered)}{ofStack}", "list them in a mixer's Layers or add a mixer attribute without Layers for the rest");
                }
                else
                {
                    foreach (int i in uncovered)
                    {
                        claimedBy[i] = fallback;
                        perLayer[i] = fallbackDecl;
                    }
                }
            }
            return perLayer.Where(d => d != null).Select(d => d!).ToEquatableArray();
        }

        /// <summary>Each mixer attribute read once, even when it serves both stacks of a seq2seq model (so its problems are reported once).</summary>
        sealed class MixerCache
        {
            readonly ModelParser _parser;
            readonly int _dim, _context;
            readonly string _positions;
            readonly Dictionary<AttributeData, MixerDecl?> _read = new Dictionary<AttributeData, MixerDecl?>();

            public MixerCache(ModelParser parser, int dim, int context, string positions)
            {
                _parser = parser;
                _dim = dim;
                _context = context;
                _positions = positions;
            }

            public MixerDecl? Read(AttributeData attribute)
            {
                if (!_read.TryGetValue(attribute, out var decl)) _read[attribute] = decl = _parser.ReadMixer(attribute, _dim, _context, _positions);
                return decl;
            }
        }

        MixerDecl? ReadMixer(AttributeData attribute, int dim, int context, string positions)
        {
            bool custom = CustomMixerReader.IsCustomMixer(attribute);
            string prefix = custom ? CustomMixerReader.Prefix(attribute) : Name(attribute).Replace("Attribute", "");
            int heads = Int(attribute, "Heads", 0);
            int kvHeads = Int(attribute, "KvHeads", 0);
            bool valid = true;
            if (heads == 0 && !IsSet(attribute, "Heads") && dim > 0)
            {
                // Heads left out: heads of 64 dimensions (the paper's LLaMA-style head size) when Dim allows it.
                if (dim % DefaultHeadSize == 0) heads = dim / DefaultHeadSize;
                else
                {
                    Report(Descriptors.InvalidMixerNumberId, Location(attribute), $"{prefix} gives no Heads and Dim = {dim} is not a multiple of {DefaultHeadSize} (the default head size)", $"give Heads, a divisor of {dim}");
                    return null;
                }
            }
            if (heads <= 0)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(attribute, "Heads"), $"{prefix}.Heads is {heads}", "give a positive number of heads that divides Dim");
                valid = false;
            }
            else if (dim > 0 && dim % heads != 0)
            {
                Report(Descriptors.HeadsDoNotDivideId, ArgumentLocation(attribute, "Heads"), prefix, Text(heads), Text(dim));
                valid = false;
            }
            if (kvHeads < 0)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(attribute, "KvHeads"), $"{prefix}.KvHeads is {kvHeads}", "give a positive divisor of Heads, or 0 for as many as Heads");
                valid = false;
            }
            else if (kvHeads > 0 && heads > 0 && heads % kvHeads != 0)
            {
                Report(Descriptors.KvHeadsDoNotDivideId, ArgumentLocation(attribute, "KvHeads"), prefix, Text(kvHeads), Text(heads));
                valid = false;
            }
            if (kvHeads == 0) kvHeads = heads;
            if (valid && positions == "Rotary" && (dim / heads) % 2 != 0)
            {
                Report(Descriptors.InvalidMixerNumberId, ArgumentLocation(attribute, "Heads"), $"The head size Dim / Heads = {dim / heads} is odd, but rotary positions rotate pairs of dimensions", "choose Heads so that the head size is even, or use [LearnedPositions] or [NoPositions]");
                valid = false;
            }
            if (valid && !new SizeLimits(Report).CheckMixer(prefix, heads, kvHeads, dim, Location(attribute))) valid = false;
            if (custom)
            {
                // A user-defined mixer: its type and constructor settings (Generators/Parsing/CustomMixerReader.cs).
                var declared = CustomMixerReader.Read(attribute, Location(attribute), ArgumentLocation(attribute, "Settings"), Report);
                return declared == null || !valid ? null : new MixerDecl(heads, kvHeads, declared);
            }
            var settings = new DeclaredSettings(attribute);
            var kind = MixerKinds.Declaring(prefix, settings);
            if (kind == null)
            {
                Report(Descriptors.InvalidMixerNumberId, Location(attribute), $"{prefix} declares no known mixer kind with these settings", "check the attribute's settings");
                return null;
            }
            var problems = new List<MixerProblem>();
            var options = kind.FromDeclaration(settings, new DeclarationContext(context, valid ? dim / heads : 0), problems);
            foreach (var problem in problems)
            {
                string id = problem.Kind == MixerProblemKind.NotApplicable ? Descriptors.OptionNotForFeatureMapId
                    : problem.Kind == MixerProblemKind.GroupSettings ? Descriptors.GroupSettingsId : Descriptors.InvalidMixerNumberId;
                Report(id, problem.Setting == null ? Location(attribute) : ArgumentLocation(attribute, problem.Setting), problem.Message, problem.Fix);
            }
            if (options == null || !valid) return null;
            // The sizes that the kinds' state and parameters take (the kinds check their own settings, not memory).
            var sizes = new SizeLimits(Report);
            if (options is AugmentedLinearAttentionOptions augmented && augmented.Conv
                && !sizes.CheckConv(augmented.ConvTaps, (long)kvHeads * (dim / heads), ArgumentLocation(attribute, "ConvTaps"))) return null;
            if (options is LinearAttentionOptions linear && linear.FeatureDim is int features
                && !sizes.CheckFeatures(features, dim / heads, ArgumentLocation(attribute, "FeatureDim"))) return null;
            return new MixerDecl(heads, kvHeads, options);
        }

        /// <summary>An attribute's named arguments, as the shared mixer kinds read them.</summary>
        sealed class DeclaredSettings : IDeclaredSettings
        {
            readonly AttributeData _attribute;

            public DeclaredSettings(AttributeData attribute) => _attribute = attribute;

            public bool IsSet(string name) => ModelParser.IsSet(_attribute, name);

            public int WholeNumber(string name, int fallback) => ModelParser.Int(_attribute, name, fallback);

            public bool Flag(string name, bool fallback) => ModelParser.Bool(_attribute, name, fallback);

            public double RealNumber(string name, double fallback) => ModelParser.Double(_attribute, name, fallback);
        }

        string? ReadDraft(List<AttributeData> attributes, AttributeData model, int vocab, int dim, int layers)
        {
            var draft = attributes.FirstOrDefault(a => Name(a) == "DraftForAttribute");
            if (draft == null) return null;
            if (Architecture(model) == ModelArchitecture.Encoder)
            {
                Report(Descriptors.NotForThisModelId, Location(draft), $"[DraftFor] on '{_type.Name}', an [EncoderModel]",
                    "remove it: an encoder does not decode, so it has no draft");
                return null;
            }
            // A draft decodes like its target: a causal LM for a causal LM, a seq2seq model for a seq2seq model.
            string kind = Name(model);
            var target = draft.ConstructorArguments.Length == 1 ? draft.ConstructorArguments[0].Value as INamedTypeSymbol : null;
            var targetModel = target?.GetAttributes().FirstOrDefault(a => IsOurs(a) && Name(a) == kind);
            if (target == null || targetModel == null)
            {
                Report(Descriptors.InvalidDraftId, Location(draft), $"DraftFor names {(target == null ? "no type" : $"'{target.Name}'")}, which is not a model declared with [{ModelName(model)}]", "name the target model's class");
                return null;
            }
            int targetVocab = Int(targetModel, "VocabSize", 0);
            if (vocab > 0 && targetVocab != vocab)
            {
                Report(Descriptors.InvalidDraftId, Location(draft), $"'{_type.Name}' has VocabSize = {vocab} but its target '{target.Name}' has VocabSize = {targetVocab}", "a draft must share its target's vocabulary");
                return null;
            }
            // Per-token cost of the layers grows with Layers x Dim^2 (projections and MLP); a draft that is not
            // cheaper than its target cannot speed decoding up (docs/method.md, "Exact speculative decoding").
            string layersName = Architecture(model) == ModelArchitecture.Seq2Seq ? "DecoderLayers" : "Layers";
            long draftCost = (long)layers * dim * dim, targetCost = (long)Int(targetModel, layersName, 0) * Int(targetModel, "Dim", 0) * Int(targetModel, "Dim", 0);
            if (draftCost > 0 && targetCost > 0 && draftCost >= targetCost)
            {
                _warnings.Add(DiagnosticInfo.Create(Descriptors.DraftNotCheaperId, Location(draft), _type.Name, Text(draftCost), target.Name, Text(targetCost)));
            }
            return target.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        }

        int PositiveModelNumber(AttributeData attribute, string name)
        {
            int value = Int(attribute, name, 0);
            if (value <= 0)
            {
                Report(Descriptors.InvalidModelNumberId, IsSet(attribute, name) ? ArgumentLocation(attribute, name) : Location(attribute),
                    ModelName(attribute) + "." + name, IsSet(attribute, name) ? Text(value) : "missing", IsSet(attribute, name) ? "it must be positive" : $"give a positive value, e.g. [{ModelName(attribute)}({name} = ...)]");
            }
            return value;
        }

        AttributeData? Single(List<AttributeData> attributes, params string[] names)
        {
            var found = attributes.Where(a => names.Contains(Name(a))).ToList();
            if (found.Count > 1)
            {
                Report(Descriptors.ConflictingAttributesId, Location(found[1]),
                    _type.Name, $"both [{Name(found[0]).Replace("Attribute", "")}] and [{Name(found[1]).Replace("Attribute", "")}]");
            }
            return found.FirstOrDefault();
        }

        /// <summary>The namespace's names, unescaped ("class.int" for <c>namespace @class.@int</c>); the emitter escapes them.</summary>
        static string NamespaceName(INamespaceSymbol? ns)
        {
            var names = new List<string>();
            for (; ns != null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace) names.Insert(0, ns.Name);
            return string.Join(".", names);
        }

        static bool IsOurs(AttributeData attribute) => attribute.AttributeClass?.ContainingNamespace?.ToDisplayString() == Namespace;

        static string Name(AttributeData attribute) => attribute.AttributeClass?.Name ?? "";

        static bool IsSet(AttributeData attribute, string name) => attribute.NamedArguments.Any(a => a.Key == name);

        static TypedConstant? Named(AttributeData attribute, string name)
        {
            foreach (var pair in attribute.NamedArguments)
                if (pair.Key == name) return pair.Value;
            return null;
        }

        static int Int(AttributeData attribute, string name, int fallback)
            => Named(attribute, name) is TypedConstant c && c.Kind != TypedConstantKind.Error && c.Value is int i ? i : fallback;

        static double Double(AttributeData attribute, string name, double fallback)
            => Named(attribute, name) is TypedConstant c && c.Kind != TypedConstantKind.Error && c.Value != null && !(c.Value is string)
                ? Convert.ToDouble(c.Value, CultureInfo.InvariantCulture) : fallback;

        static bool Bool(AttributeData attribute, string name, bool fallback)
            => Named(attribute, name) is TypedConstant c && c.Kind != TypedConstantKind.Error && c.Value is bool b ? b : fallback;

        static int[] IntArray(AttributeData attribute, string name)
            => Named(attribute, name) is TypedConstant c && c.Kind == TypedConstantKind.Array && !c.IsNull
                ? c.Values.Where(v => v.Value is int).Select(v => (int)v.Value!).ToArray()
                : Array.Empty<int>();

        static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        Location Location(AttributeData attribute)
            => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? _syntax.Identifier.GetLocation();

        Location ArgumentLocation(AttributeData attribute, string name)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax && syntax.ArgumentList != null)
            {
                foreach (var argument in syntax.ArgumentList.Arguments)
                    if (argument.NameEquals?.Name.Identifier.ValueText == name) return argument.GetLocation();
            }
            return Location(attribute);
        }

        static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

        void Report(string id, Location location, params string[] arguments)
            => _diagnostics.Add(DiagnosticInfo.Create(id, location, arguments));
    }
}
