using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LinearDsl.Analyzers.Tests;

/// <summary>Test sources compile against .NET 8 reference assemblies, LinearDsl.Abstractions and TorchSharp's managed assembly.</summary>
public static class TestSetup
{
    public static void Configure(SolutionState state)
    {
        state.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(CausalLMAttribute).Assembly.Location));
        state.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location));
    }

    /// <summary>An expected diagnostic of <paramref name="id"/> at markup location 0 with these message arguments.</summary>
    public static DiagnosticResult At(string id, DiagnosticSeverity severity, params object[] arguments)
        => new DiagnosticResult(id, severity).WithLocation(0).WithArguments(arguments);
}

/// <summary>An analyzer run on source with markup; no diagnostics beyond the expected ones.</summary>
public sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public AnalyzerTest(string source, params DiagnosticResult[] expected)
    {
        ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
        TestCode = source;
        TestSetup.Configure(TestState);
        ExpectedDiagnostics.AddRange(expected);
    }
}

/// <summary>An analyzer and a code fix: the diagnostics of the source, then the fixed source, which must have none.</summary>
public sealed class FixTest<TAnalyzer, TFix> : CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TFix : CodeFixProvider, new()
{
    /// <param name="source">The source with markup.</param>
    /// <param name="fixedSource">The source after every fix.</param>
    /// <param name="expected">The diagnostics of <paramref name="source"/>.</param>
    public FixTest(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
        TestCode = source;
        FixedCode = fixedSource;
        TestSetup.Configure(TestState);
        TestSetup.Configure(FixedState);
        ExpectedDiagnostics.AddRange(expected);
    }
}
