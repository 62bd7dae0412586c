using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LinearDsl.Generators.Tests;

/// <summary>Unrelated edits keep every tracked step cached; editing one declaration re-emits only that model.</summary>
public sealed class GeneratorIncrementalTests
{
    const string First = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class First;";
    const string Second = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[SoftmaxAttention(Heads = 2)]\npublic partial class Second;";

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compile(First, Second);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Demo; public static class Unrelated { public static int Answer => 42; }", GeneratorHarness.ParseOptions));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in new[] { ModelGenerator.Steps.Parse, ModelGenerator.Steps.Emit })
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            outputs.Should().HaveCount(2);
            outputs.Should().OnlyContain(o => o.Reason == IncrementalStepRunReason.Cached || o.Reason == IncrementalStepRunReason.Unchanged, step);
        }
    }

    [Fact]
    public void Editing_one_declaration_regenerates_only_that_model()
    {
        var compilation = GeneratorHarness.Compile(First, Second);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);
        var oldTree = compilation.SyntaxTrees.First();
        var newTree = oldTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(First.Replace("Layers = 2", "Layers = 3")));
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, newTree)).GetRunResult().Results.Single();

        var emitted = result.TrackedSteps[ModelGenerator.Steps.Emit].SelectMany(s => s.Outputs).ToList();
        emitted.Count(o => o.Reason == IncrementalStepRunReason.Modified).Should().Be(1);
        emitted.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged).Should().Be(1);
        result.GeneratedSources.Single(s => s.HintName == "Demo.First.g.cs").SourceText.ToString().Should().Contain("Layers = 3,");
    }
}
