using System.Collections.Immutable;
using System.Linq;
using LinearDsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LinearDsl.Analyzers.Tests;

/// <summary>
/// Test adapter: runs the real model generator over the compilation and relays its diagnostics. The code-fix test
/// framework computes the diagnostics to fix from analyzers and the compiler, not from source generators, so this is
/// how the generator's LDSL1001 and LDSL1007 reach the code fixes in tests.
/// </summary>
#pragma warning disable RS1036, RS1038, RS1041 // A test-only adapter, never loaded by a compiler.
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GeneratorAsAnalyzer : DiagnosticAnalyzer
#pragma warning restore RS1036, RS1038, RS1041
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Relayed(DiagnosticIds.GeneratorNotPartial), Relayed(DiagnosticIds.GeneratorGroupSettings));

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        // Per tree (a semantic-model action), so that the relayed diagnostics are local to their document, as the
        // code-fix framework requires.
        context.RegisterSemanticModelAction(c =>
        {
            var driver = CSharpGeneratorDriver.Create(new ModelGenerator()).RunGenerators(c.SemanticModel.Compilation, c.CancellationToken);
            foreach (var diagnostic in driver.GetRunResult().Diagnostics)
            {
                // The driver's diagnostics are located in the trees of the compilation it ran on; relay those of
                // this tree only.
                var descriptor = SupportedDiagnostics.FirstOrDefault(d => d.Id == diagnostic.Id);
                if (descriptor is null || diagnostic.Location.GetLineSpan().Path != c.SemanticModel.SyntaxTree.FilePath) continue;
                c.ReportDiagnostic(Diagnostic.Create(descriptor, Location.Create(c.SemanticModel.SyntaxTree, diagnostic.Location.SourceSpan), diagnostic.GetMessage()));
            }
        });
    }

    static DiagnosticDescriptor Relayed(string id)
        => new(id, "Relayed generator diagnostic", "{0}", "LinearDsl.Generator", DiagnosticSeverity.Error, isEnabledByDefault: true);
}
