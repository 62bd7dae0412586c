using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LinearDsl.Analyzers
{
    /// <summary>
    /// Flags mixer attributes declared with a setting that reads later tokens (LDSL2001-LDSL2004). A setting is
    /// flagged only when it takes effect: ConvPadding needs DWConv on and more than one tap, CausalLocal needs Local
    /// on, InclusiveGlobalPrefix needs Global on; none of them applies to a feature map other than L2 (the generator
    /// reports that as LDSL1009).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MixerDeclarationAnalyzer : DiagnosticAnalyzer
    {
        static readonly string[] Paddings = { "Causal", "Centered", "Right" };

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
                var linear = start.Compilation.GetTypeByMetadataName("LinearDsl.LinearAttentionAttribute");
                var softmax = start.Compilation.GetTypeByMetadataName("LinearDsl.SoftmaxAttentionAttribute");
                if (linear is null && softmax is null) return;     // the DSL is not referenced: nothing to check
                start.RegisterSymbolAction(c => AnalyzeType(c, linear, softmax), SymbolKind.NamedType);
            });
        }

        static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol? linear, INamedTypeSymbol? softmax)
        {
            foreach (var attribute in context.Symbol.GetAttributes())
            {
                if (linear != null && SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, linear)) AnalyzeLinear(context, attribute);
                else if (softmax != null && SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, softmax)) AnalyzeSoftmax(context, attribute);
            }
        }

        static void AnalyzeLinear(SymbolAnalysisContext context, AttributeData attribute)
        {
            if (Value(attribute, "FeatureMap", 0) != 0) return;
            int padding = Value(attribute, "ConvPadding", 0);
            int taps = Value(attribute, "ConvTaps", 32);
            if (padding > 0 && padding < Paddings.Length && Flag(attribute, "DWConv", true) && taps > 1)
            {
                int ahead = padding == 1 ? (taps - 1) / 2 : taps - 1;
                Report(context, Rules.ConvPadding, attribute, "ConvPadding", Paddings[padding], taps, ahead);
            }
            if (!Flag(attribute, "CausalLocal", true) && Flag(attribute, "Local", true))
                Report(context, Rules.CausalLocal, attribute, "CausalLocal");
            if (Flag(attribute, "InclusiveGlobalPrefix", false) && Flag(attribute, "Global", true))
                Report(context, Rules.InclusiveGlobalPrefix, attribute, "InclusiveGlobalPrefix");
        }

        static void AnalyzeSoftmax(SymbolAnalysisContext context, AttributeData attribute)
        {
            if (Flag(attribute, "Bidirectional", false)) Report(context, Rules.Bidirectional, attribute, "Bidirectional");
        }

        static void Report(SymbolAnalysisContext context, DiagnosticDescriptor rule, AttributeData attribute, string property, params object[] arguments)
            => context.ReportDiagnostic(Diagnostic.Create(rule, ArgumentLocation(attribute, property), arguments));

        static TypedConstant? Named(AttributeData attribute, string name)
        {
            foreach (var pair in attribute.NamedArguments)
                if (pair.Key == name && pair.Value.Kind != TypedConstantKind.Error) return pair.Value;
            return null;
        }

        static int Value(AttributeData attribute, string name, int fallback) => Named(attribute, name)?.Value is int i ? i : fallback;

        static bool Flag(AttributeData attribute, string name, bool fallback) => Named(attribute, name)?.Value is bool b ? b : fallback;

        /// <summary>The whole named argument (e.g. <c>ConvPadding = ConvPadding.Centered</c>), which the code fix removes.</summary>
        static Location ArgumentLocation(AttributeData attribute, string name)
        {
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax;
            var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
            return argument?.GetLocation() ?? syntax?.GetLocation() ?? Location.None;
        }
    }
}
