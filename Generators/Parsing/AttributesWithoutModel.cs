using System.Linq;
using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Model;
using LinearDsl.Kinds;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Parsing
{
    /// <summary>
    /// Model attributes on a class without [CausalLM], [EncoderModel] or [Seq2SeqModel] (on none of its parts) would be
    /// ignored; each gets a warning (LDSL1016) at the attribute.
    /// </summary>
    internal static class AttributesWithoutModel
    {
        /// <summary>
        /// The attributes that only mean something next to a model attribute (without the Attribute suffix): every mixer
        /// kind's attribute (so a new kind is covered without a change here) and the other model attributes.
        /// </summary>
        public static readonly string[] Names = MixerKinds.BuiltIn.Select(k => k.AttributeName())
            .Concat(new[] { "DraftFor", "RmsNorm", "LayerNorm", "Rotary", "LearnedPositions", "NoPositions", "SwiGlu", "GeluMlp", "GeGluMlp", "ReluMlp", "MedusaHeads", "CrossAttention" })
            .Distinct().ToArray();

        /// <summary>Their metadata names, the generic [Mixer&lt;TMixer&gt;] included.</summary>
        public static System.Collections.Generic.IEnumerable<string> MetadataNames
            => Names.Select(name => "LinearDsl." + name + "Attribute").Append("LinearDsl.MixerAttribute`1");

        public static EquatableArray<DiagnosticInfo> Check(GeneratorAttributeSyntaxContext context)
        {
            if (!(context.TargetSymbol is INamedTypeSymbol type)
                || type.GetAttributes().Any(a => a.AttributeClass != null && ModelParser.ModelAttributes.Contains(a.AttributeClass.ToDisplayString())))
                return default;
            return context.Attributes
                .Select(a => DiagnosticInfo.Create(Descriptors.AttributeWithoutModelId, a.ApplicationSyntaxReference?.GetSyntax().GetLocation(),
                    a.AttributeClass!.Name.Substring(0, a.AttributeClass.Name.Length - "Attribute".Length), type.Name))
                .ToEquatableArray();
        }
    }
}
