using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using LinearDsl.Kinds;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LinearDsl.Analyzers
{
    /// <summary>
    /// Flags mixer attributes declared with a setting that reads later tokens (LDSL2001-LDSL2004). The attribute is read
    /// by the same shared mixer kind as the generator's and the runtime's, and a setting is flagged exactly when that
    /// kind's causality predicate lists it: only when it takes effect (ConvPadding needs DWConv on and more than one
    /// tap, CausalLocal needs Local on and groups of more than one token, InclusiveGlobalPrefix needs Global on and
    /// groups of more than one token). A declaration the kind cannot read is the generator's to report.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MixerDeclarationAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Rules.ConvPadding, Rules.CausalLocal, Rules.InclusiveGlobalPrefix, Rules.Bidirectional);

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                if (start.Compilation.GetTypeByMetadataName("LinearDsl.CausalLMAttribute") is null) return;     // the DSL is not referenced
                start.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
            });
        }

        static void AnalyzeType(SymbolAnalysisContext context)
        {
            var attributes = context.Symbol.GetAttributes().Where(a => a.AttributeClass?.ContainingNamespace?.ToDisplayString() == "LinearDsl").ToList();
            var model = attributes.FirstOrDefault(a => a.AttributeClass!.Name == "CausalLMAttribute");
            int contextLength = model == null ? 0 : new Settings(model).WholeNumber("ContextLength", 0);
            foreach (var attribute in attributes)
            {
                string name = attribute.AttributeClass!.Name;
                if (!name.EndsWith("Attribute", StringComparison.Ordinal)) continue;
                name = name.Substring(0, name.Length - "Attribute".Length);
                var settings = new Settings(attribute);
                var kind = MixerKinds.Declaring(name, settings);
                var options = kind?.FromDeclaration(settings, new DeclarationContext(contextLength, 0), new List<MixerProblem>());
                if (options == null) continue;
                foreach (var setting in options.NonCausal()) Report(context, attribute, options, setting);
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
                    context.ReportDiagnostic(Diagnostic.Create(Rules.Bidirectional, location));
                    break;
            }
        }

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
