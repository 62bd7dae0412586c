using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// The generator's diagnostics are located in the real syntax tree, so #pragma and [SuppressMessage] silence them,
/// and they come from their own pipeline: moving a declaration re-reports them without re-emitting the model.
/// </summary>
public sealed class GeneratorSuppressionTests
{
    const string Target = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class T;\n";
    const string Draft = "[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\n[DraftFor(typeof(T))]\npublic partial class D;\n";

    static IEnumerable<Diagnostic> Reported(GeneratorRunResult run, string id) => run.Diagnostics.Where(d => d.Id == id && !d.IsSuppressed);

    [Fact]
    public void The_warning_is_reported_without_a_suppression()
        => Reported(GeneratorHarness.Run(Target + Draft).Run, "LDSL1013").Should().ContainSingle();

    [Fact]
    public void Pragma_warning_disable_silences_a_generator_warning()
    {
        var (run, _) = GeneratorHarness.Run(Target + "#pragma warning disable LDSL1013 // a self-draft, on purpose\n" + Draft + "#pragma warning restore LDSL1013\n");
        Reported(run, "LDSL1013").Should().BeEmpty();
        run.GeneratedSources.Should().HaveCount(2, "a suppressed warning still generates the model");
    }

    [Fact]
    public void SuppressMessage_silences_a_generator_warning()
    {
        var (run, _) = GeneratorHarness.Run(Target + "[System.Diagnostics.CodeAnalysis.SuppressMessage(\"LinearDsl.Generator\", \"LDSL1013\", Justification = \"A self-draft, on purpose.\")]\n" + Draft);
        Reported(run, "LDSL1013").Should().BeEmpty();
    }

    [Fact]
    public void Generator_diagnostics_are_located_in_the_compilations_tree()
    {
        var compilation = GeneratorHarness.Compile(Target + Draft);
        var run = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        var location = run.Diagnostics.Single().Location;
        location.Kind.Should().Be(LocationKind.SourceFile);
        location.SourceTree.Should().BeSameAs(compilation.SyntaxTrees.Single());
    }

    [Fact]
    public void Moving_a_declaration_reports_at_the_new_place_without_re_emitting()
    {
        var compilation = GeneratorHarness.Compile(Target + Draft);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);
        var oldTree = compilation.SyntaxTrees.Single();
        var moved = oldTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Target + "\n\n\n" + Draft));
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, moved)).GetRunResult().Results.Single();

        var emitted = result.TrackedSteps[ModelGenerator.Steps.Emit].SelectMany(s => s.Outputs).ToList();
        emitted.Should().HaveCount(2);
        emitted.Should().OnlyContain(o => o.Reason == IncrementalStepRunReason.Cached || o.Reason == IncrementalStepRunReason.Unchanged);
        var warning = result.Diagnostics.Should().ContainSingle().Subject;
        warning.Location.GetLineSpan().StartLinePosition.Line.Should().Be(Target.Count(c => c == '\n') + 3 + 2, "the warning is at [DraftFor] on its new line");
    }
}
