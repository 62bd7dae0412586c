using LinearDsl.Analyzers.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;

namespace LinearDsl.Analyzers.Tests;

/// <summary>The code fixes of the generator's own diagnostics (no analyzer duplicates the generator's checks).</summary>
public sealed class GeneratorDiagnosticFixTests
{
    const string Head = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n";

    /// <summary>
    /// A fix test over the generator's diagnostics (relayed by <see cref="GeneratorAsAnalyzer"/>). They are created by the
    /// generator, outside the analyzer driver's #pragma handling, so the framework's pragma check is skipped.
    /// </summary>
    sealed class Test<TFix> : CSharpCodeFixTest<GeneratorAsAnalyzer, TFix, DefaultVerifier>
        where TFix : CodeFixProvider, new()
    {
        public Test(string source, string fixedSource, string id, string? key = null)
        {
            ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
            TestCode = source;
            FixedCode = fixedSource;
            TestSetup.Configure(TestState);
            TestSetup.Configure(FixedState);
            ExpectedDiagnostics.Add(new DiagnosticResult(id, DiagnosticSeverity.Error).WithLocation(0));
            TestBehaviors |= TestBehaviors.SkipSuppressionCheck;
            CodeActionEquivalenceKey = key;
        }
    }

    [Fact]
    public Task LDSL1001_fix_makes_the_class_partial()
        => new Test<MakeModelPartialCodeFix>(
            Head + "[LinearAttention(Heads = 2)]\nclass {|#0:M|};\n",
            Head + "[LinearAttention(Heads = 2)]\npartial class M;\n", "LDSL1001").RunAsync();

    [Fact]
    public Task LDSL1001_fix_puts_partial_after_the_other_modifiers()
        => new Test<MakeModelPartialCodeFix>(
            Head + "[LinearAttention(Heads = 2)]\npublic sealed class {|#0:M|};\n",
            Head + "[LinearAttention(Heads = 2)]\npublic sealed partial class M;\n", "LDSL1001").RunAsync();

    [Fact]
    public Task LDSL1007_fix_keeps_Groups_and_removes_GroupSize()
        => new Test<RemoveConflictingGroupSettingCodeFix>(
            Head + "[LinearAttention(Heads = 2, Groups = 4, {|#0:GroupSize = 16|})]\npublic partial class M;\n",
            Head + "[LinearAttention(Heads = 2, Groups = 4)]\npublic partial class M;\n", "LDSL1007", "KeepGroups").RunAsync();

    [Fact]
    public Task LDSL1007_fix_can_keep_GroupSize_instead()
        => new Test<RemoveConflictingGroupSettingCodeFix>(
            Head + "[LinearAttention(Heads = 2, Groups = 4, {|#0:GroupSize = 16|})]\npublic partial class M;\n",
            Head + "[LinearAttention(Heads = 2, GroupSize = 16)]\npublic partial class M;\n", "LDSL1007", "KeepGroupSize").RunAsync();

    [Fact]
    public Task LDSL1007_without_both_settings_gets_no_fix()
    {
        var source = Head + "[LinearAttention(Heads = 2, {|#0:Groups = 5|})]\npublic partial class M;\n";
        var test = new Test<RemoveConflictingGroupSettingCodeFix>(source, source, "LDSL1007");
        test.FixedState.ExpectedDiagnostics.Add(new DiagnosticResult("LDSL1007", DiagnosticSeverity.Error).WithLocation(0));
        return test.RunAsync();
    }
}
