using System.Collections.Generic;
using System.Linq;
using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LinearDsl.Generators.Parsing
{
    /// <summary>
    /// The names the generator writes into a model class. The public members (Config, Create, Save, Load, and for causal
    /// LMs DecodeProgram; DraftTarget for drafts) are the model's API: a class or user member that takes one is reported (LDSL1014).
    /// The private helpers (the nested program type, the module initializer) move to a free name instead.
    /// </summary>
    internal static class GeneratedNames
    {
        // A user method with another parameter list is an overload, not a conflict (types as FullyQualifiedFormat shows them).
        static readonly Dictionary<string, string[]?> PublicMembers = new Dictionary<string, string[]?>
        {
            ["Config"] = null,
            ["DecodeProgram"] = null,
            ["Create"] = new[] { "ulong", "global::TorchSharp.torch.ScalarType", "global::TorchSharp.torch.Device" },
            ["Save"] = new[] { "global::LinearDsl.Runtime.Modeling.CausalLanguageModel", "string" },
            ["Load"] = new[] { "string", "global::TorchSharp.torch.ScalarType?", "global::TorchSharp.torch.Device" },
        };

        // Written only for models with [MedusaHeads].
        static readonly string[] MedusaMembers = { "MedusaHeadCount", "ProposeNext" };

        public static ModelSpec Apply(ModelSpec spec, INamedTypeSymbol type, ClassDeclarationSyntax syntax, SemanticModel model, List<DiagnosticInfo> diagnostics)
        {
            // Encoders and seq2seq models have no decode program (nothing fused to attach).
            var names = PublicMembers.Keys.Where(n => n != "DecodeProgram" || spec.Architecture == ModelArchitecture.CausalLM).ToList();
            if (spec.DraftTarget != null) names.Add("DraftTarget");
            if (spec.Medusa != null) names.AddRange(MedusaMembers);
            foreach (var name in names)
            {
                if (type.Name == name)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.GeneratedNameTakenId, syntax.Identifier.GetLocation(),
                        $"The model class is named '{name}'", name, "rename the class"));
                    continue;
                }
                var taken = type.GetMembers(name).FirstOrDefault(m => !m.IsImplicitlyDeclared && Conflicts(m, name, spec.Architecture));
                if (taken != null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.GeneratedNameTakenId, taken.Locations.FirstOrDefault(l => l.IsInSource) ?? syntax.Identifier.GetLocation(),
                        $"'{type.Name}' declares its own '{name}'", name, "rename or remove yours"));
                }
            }
            return spec with
            {
                ProgramType = Free(type, "GeneratedDecodeProgram"),
                RegisterMethod = Free(type, "RegisterDecodeProgram"),
                // A type named 'var' in scope turns 'var x = ...' into a declaration of that type.
                VarIsAType = type.GetTypeMembers("var").Any() || model.LookupNamespacesAndTypes(syntax.Identifier.SpanStart, null, "var").Any(),
            };
        }

        static bool Conflicts(ISymbol member, string name, ModelArchitecture architecture)
        {
            var parameters = PublicMembers.TryGetValue(name, out var list) ? list : null;
            // Save takes the model type the architecture builds.
            if (name == "Save" && architecture != ModelArchitecture.CausalLM)
                parameters = new[] { "global::LinearDsl.Runtime.Modeling." + (architecture == ModelArchitecture.Encoder ? "EncoderModel" : "Seq2SeqModel"), "string" };
            if (parameters == null || !(member is IMethodSymbol method)) return true;
            return method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)).SequenceEqual(parameters);
        }

        /// <summary>The name itself, or the name with the first number that neither the class nor its members use.</summary>
        static string Free(INamedTypeSymbol type, string name)
        {
            var used = new HashSet<string>(type.GetMembers().Select(m => m.Name)) { type.Name };
            string candidate = name;
            for (int i = 1; used.Contains(candidate); i++) candidate = name + i;
            return candidate;
        }
    }
}
