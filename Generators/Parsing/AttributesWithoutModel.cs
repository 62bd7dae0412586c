using System.Linq;
using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Model;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Parsing
{
    /// <summary>
    /// Model attributes on a class without [CausalLM] (on none of its parts) would be ignored; each gets a warning
    /// (LDSL1016) at the attribute.
    /// </summary>
    internal static class AttributesWithoutModel
    {
        /// <summary>The attributes that only mean something next to [CausalLM] (without the Attribute suffix).</summary>
        public static readonly string[] Names =
        {
            "LinearAttention", "SoftmaxAttention", "DraftFor", "RmsNorm", "LayerNorm", "Rotary", "LearnedPositions", "NoPositions", "SwiGlu", "GeluMlp", "MedusaHeads",
        };

        public static EquatableArray<DiagnosticInfo> Check(GeneratorAttributeSyntaxContext context)
        {
            if (!(context.TargetSymbol is INamedTypeSymbol type)
                || type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "LinearDsl.CausalLMAttribute"))
                return default;
            return context.Attributes
                .Select(a => DiagnosticInfo.Create(Descriptors.AttributeWithoutModelId, a.ApplicationSyntaxReference?.GetSyntax().GetLocation(),
                    a.AttributeClass!.Name.Substring(0, a.AttributeClass.Name.Length - "Attribute".Length), type.Name))
                .ToEquatableArray();
        }
    }
}
