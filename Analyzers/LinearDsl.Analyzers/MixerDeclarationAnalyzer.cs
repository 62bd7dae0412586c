using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using LinearDsl.Analyzers.Roles;
using LinearDsl.Kinds;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LinearDsl.Analyzers
{
    /// <summary>
    /// Judges every mixer attribute by the role of the stack it serves (Roles/MixerRole.cs). In a decoder stack (a causal
    /// LM's, a seq2seq decoder's) a setting that reads later tokens is an error (LDSL2001-LDSL2004, LDSL2011), as is a
    /// custom mixer whose ParallelCore is marked [ForwardPass(Causal = false)] (LDSL2012). In an encoder stack those
    /// settings are what the encoder is for; a causal-only part there gets an info (LDSL2010) naming it and its
    /// bidirectional alternative. The attribute is read by the same shared mixer kind as the generator's and the
    /// runtime's, and a setting counts exactly when that kind's causality predicate (MixerOptions.NonCausal) says so:
    /// only when it takes effect (ConvPadding needs DWConv on and more than one tap, CausalLocal needs Local on and
    /// groups of more than one token, InclusiveGlobalPrefix needs Global on and groups of more than one token). A
    /// declaration the kind cannot read is the generator's to report.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MixerDeclarationAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Rules.ConvPadding, Rules.CausalLocal, Rules.InclusiveGlobalPrefix, Rules.Bidirectional, Rules.LinearBidirectional,
            Rules.NonCausalCustomMixer, Rules.CausalInEncoder);

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                if (start.Compilation.GetTypeByMetadataName("LinearDsl.CausalLMAttribute") is null) return;     // the DSL is not referenced
                var forwardPass = start.Compilation.GetTypeByMetadataName("LinearDsl.ForwardPassAttribute");
                start.RegisterSymbolAction(c => AnalyzeType(c, forwardPass), SymbolKind.NamedType);
            });
        }

        static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol? forwardPass)
        {
            var attributes = context.Symbol.GetAttributes().Where(a => a.AttributeClass?.ContainingNamespace?.ToDisplayString() == "LinearDsl").ToList();
            var model = MixerRole.ModelAttribute(attributes);
            int contextLength = MixerRole.ContextLength(model);
            foreach (var attribute in attributes)
            {
                var role = MixerRole.Of(model, attribute);
                if (IsCustomMixer(attribute, out var mixerType))
                {
                    bool nonCausal = DeclaredNonCausal(mixerType, forwardPass);
                    if (nonCausal && role.InDecoder)
                        context.ReportDiagnostic(Diagnostic.Create(Rules.NonCausalCustomMixer, AttributeLocation(attribute), mixerType.Name));
                    else if (!nonCausal && role.InEncoder)
                        ReportCausalInEncoder(context, attribute, role, CausalOnlySetting.CustomMixer(mixerType.Name));
                    continue;
                }
                string name = attribute.AttributeClass!.Name;
                if (!name.EndsWith("Attribute", StringComparison.Ordinal)) continue;
                name = name.Substring(0, name.Length - "Attribute".Length);
                var settings = new Settings(attribute);
                var kind = MixerKinds.Declaring(name, settings);
                var options = kind?.FromDeclaration(settings, new DeclarationContext(contextLength, 0), new List<MixerProblem>());
                if (options == null) continue;
                if (role.InDecoder)
                    foreach (var setting in options.NonCausal()) Report(context, attribute, options, setting);
                if (role.InEncoder)
                    foreach (var causal in CausalOnlySetting.Of(options)) ReportCausalInEncoder(context, attribute, role, causal);
            }
        }

        static void Report(SymbolAnalysisContext context, AttributeData attribute, MixerOptions options, NonCausalSetting setting)
        {
            var location = ArgumentLocation(attribute, setting.Name);
            switch (setting.Name)
            {
                case "ConvPadding":
                    var augmented = (AugmentedLinearAttentionOptions)options;
                    context.ReportDiagnostic(Diagnostic.Create(Rules.ConvPadding, location, setting.Value, augmented.ConvTaps, augmented.ConvShift));
                    break;
                case "CausalLocal":
                    context.ReportDiagnostic(Diagnostic.Create(Rules.CausalLocal, location));
                    break;
                case "InclusiveGlobalPrefix":
                    context.ReportDiagnostic(Diagnostic.Create(Rules.InclusiveGlobalPrefix, location));
                    break;
                case "Bidirectional":
                    context.ReportDiagnostic(Diagnostic.Create(options is SoftmaxAttentionOptions ? Rules.Bidirectional : Rules.LinearBidirectional, location));
                    break;
            }
        }

        static void ReportCausalInEncoder(SymbolAnalysisContext context, AttributeData attribute, MixerRole role, CausalOnlySetting setting)
        {
            var location = setting.Argument == null ? AttributeLocation(attribute) : ArgumentLocation(attribute, setting.Argument);
            string alternative = role.BothStacks
                ? setting.Alternative + " in an encoder-only attribute (Stack = ModelStack.Encoder), and give the decoder its own (Stack = ModelStack.Decoder)"
                : setting.Alternative;
            context.ReportDiagnostic(Diagnostic.Create(Rules.CausalInEncoder, location, setting.What, alternative));
        }

        /// <summary>[Mixer&lt;TMixer&gt;] and its mixer type.</summary>
        static bool IsCustomMixer(AttributeData attribute, out INamedTypeSymbol mixerType)
        {
            mixerType = null!;
            var type = attribute.AttributeClass;
            if (type == null || !type.IsGenericType || type.OriginalDefinition.MetadataName != "MixerAttribute`1") return false;
            if (!(type.TypeArguments[0] is INamedTypeSymbol argument)) return false;
            mixerType = argument;
            return true;
        }

        /// <summary>Whether the mixer's ParallelCore (its own or inherited) is marked [ForwardPass(Causal = false)].</summary>
        static bool DeclaredNonCausal(INamedTypeSymbol mixerType, INamedTypeSymbol? forwardPass)
        {
            if (forwardPass == null) return false;
            for (var type = mixerType; type != null; type = type.BaseType)
            {
                foreach (var method in type.GetMembers("ParallelCore").OfType<IMethodSymbol>())
                {
                    var marked = method.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, forwardPass));
                    if (marked != null) return marked.NamedArguments.Any(p => p.Key == "Causal" && p.Value.Value is false);
                }
            }
            return false;
        }

        static Location AttributeLocation(AttributeData attribute)
            => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? Microsoft.CodeAnalysis.Location.None;

        /// <summary>An attribute's named arguments, as the shared mixer kinds read them.</summary>
        sealed class Settings : IDeclaredSettings
        {
            readonly AttributeData _attribute;

            public Settings(AttributeData attribute) => _attribute = attribute;

            public bool IsSet(string name) => Named(name) != null;

            public int WholeNumber(string name, int fallback) => Named(name)?.Value is int i ? i : fallback;

            public bool Flag(string name, bool fallback) => Named(name)?.Value is bool b ? b : fallback;

            public double RealNumber(string name, double fallback)
                => Named(name) is TypedConstant c && c.Value != null && !(c.Value is string) && !(c.Value is bool)
                    ? Convert.ToDouble(c.Value, CultureInfo.InvariantCulture) : fallback;

            TypedConstant? Named(string name)
            {
                foreach (var pair in _attribute.NamedArguments)
                    if (pair.Key == name && pair.Value.Kind != TypedConstantKind.Error) return pair.Value;
                return null;
            }
        }

        /// <summary>The whole named argument (e.g. <c>ConvPadding = ConvPadding.Centered</c>), which the code fix removes.</summary>
        static Location ArgumentLocation(AttributeData attribute, string name)
        {
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax;
            var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
            return argument?.GetLocation() ?? syntax?.GetLocation() ?? Location.None;
        }
    }
}
