using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using static LinearDsl.Analyzers.ForwardPass.TorchOperations;

namespace LinearDsl.Analyzers.ForwardPass
{
    /// <summary>
    /// Checks methods marked <c>[LinearDsl.ForwardPass]</c> (hand-written TorchSharp layers), and the parallel form of
    /// every user-defined mixer (ParallelCore of a CustomMixer&lt;TState&gt;, on [batch, heads, time, head_dim]), for operations that let a
    /// position read later positions (LDSL2101-LDSL2105), by walking the bound operations (IOperation) of the method,
    /// its lambdas and local functions. It also checks Conv1d modules created with Padding.Same anywhere in a type
    /// that has such a method. docs/diagnostics/README.md lists exactly what is and is not detected.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ForwardPassAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Rules.InvalidForwardPass, Rules.TimeReversed, Rules.ConvSeesFuture, Rules.UnmaskedAttention, Rules.ReductionOverTime, Rules.ReadsLaterPosition);

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                var attribute = start.Compilation.GetTypeByMetadataName("LinearDsl.ForwardPassAttribute");
                var customMixer = start.Compilation.GetTypeByMetadataName("LinearDsl.Runtime.Mixers.CustomMixer`1");
                if (attribute is null && customMixer is null) return;            // the DSL is not referenced
                if (attribute != null) start.RegisterSymbolAction(c => CheckAttribute(c, attribute), SymbolKind.Method);
                if (start.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor") is null) return;   // no TorchSharp: nothing to judge
                start.RegisterOperationBlockStartAction(block =>
                {
                    var axis = TimeAxis.Of(block.OwningSymbol, attribute, out _);
                    if (axis is null || !axis.IsValid) return;
                    var checker = new ForwardPassChecker(axis);
                    block.RegisterOperationAction(checker.AnalyzeInvocation, OperationKind.Invocation);
                    block.RegisterOperationAction(checker.AnalyzeIndexer, OperationKind.PropertyReference);
                });
                start.RegisterOperationAction(c => CheckConvModule(c, attribute), OperationKind.Invocation);
            });
        }

        static void CheckAttribute(SymbolAnalysisContext context, INamedTypeSymbol attribute)
        {
            var axis = TimeAxis.Of(context.Symbol, attribute, out var data);
            if (axis is null || axis.IsValid) return;
            var location = data?.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? context.Symbol.Locations.FirstOrDefault();
            context.ReportDiagnostic(Diagnostic.Create(Rules.InvalidForwardPass, location, $"TimeDim = {axis.TimeDim} and Rank = {axis.Rank}", context.Symbol.Name));
        }

        /// <summary>nn.Conv1d(..., Padding.Same) in a type with a [ForwardPass] method: modules are built outside the forward pass.</summary>
        static void CheckConvModule(OperationAnalysisContext context, INamedTypeSymbol? attribute)
        {
            var call = (IInvocationOperation)context.Operation;
            if (call.TargetMethod.Name != "Conv1d" || !IsTorch(call.TargetMethod)) return;
            var type = context.ContainingSymbol.ContainingType;
            if (type == null || !type.GetMembers().OfType<IMethodSymbol>().Any(m => TimeAxis.Of(m, attribute, out _) != null)) return;
            var padding = call.Arguments.FirstOrDefault(a => a.Parameter?.Type.Name == "Padding" && IsTorch(a.Parameter.Type));
            if (padding == null || !IsEnumMember(padding.Value, "Same")) return;
            context.ReportDiagnostic(Diagnostic.Create(Rules.ConvSeesFuture, padding.Syntax.GetLocation(),
                "Conv1d(..., Padding.Same) centres the kernel on t (for a kernel of K taps, (K - 1) / 2 of them fall on later positions)"));
        }

        internal static bool IsEnumMember(IOperation value, string member)
        {
            if (!(value.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType) || !value.ConstantValue.HasValue) return false;
            var field = enumType.GetMembers(member).OfType<IFieldSymbol>().FirstOrDefault();
            return field?.ConstantValue != null && field.ConstantValue.Equals(value.ConstantValue.Value);
        }
    }
}
