using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Tests;

/// <summary>The generator never throws: random and malformed attribute values become diagnostics or valid code.</summary>
public sealed class GeneratorRobustnessTests
{
    static readonly string[] Properties = ["Heads", "KvHeads", "FeatureDim", "Groups", "GroupSize", "ConvTaps"];

    [Fact]
    public void Random_attribute_values_never_crash_the_generator()
    {
        var random = new Random(1234);
        int Pick() => random.Next(6) switch { 0 => 0, 1 => -random.Next(1, 100), 2 => int.MaxValue, 3 => int.MinValue, _ => random.Next(1, 70) };
        for (int i = 0; i < 200; i++)
        {
            var mixer = string.Join(", ", Properties.Where(_ => random.Next(2) == 0).Select(p => $"{p} = {Pick()}")
                .Append($"FeatureMap = (LinearFeatureMap){random.Next(-2, 9)}")
                .Append($"Layers = new[] {{ {string.Join(", ", Enumerable.Range(0, random.Next(3)).Select(_ => Pick()))} }}")
                .Append($"AlphaInit = {(random.Next(4) == 0 ? "double.NaN" : random.NextDouble().ToString(System.Globalization.CultureInfo.InvariantCulture))}"));
            var source = $$"""
                using LinearDsl;
                namespace Fuzz;
                [CausalLM(VocabSize = {{Pick()}}, Dim = {{Pick()}}, Layers = {{random.Next(-2, 5)}}, ContextLength = {{Pick()}})]
                [{{(random.Next(2) == 0 ? "RmsNorm(Eps = -1)" : "LayerNorm")}}]
                [LinearAttention({{mixer}})]
                {{(random.Next(3) == 0 ? "[SoftmaxAttention(Heads = 2, Layers = new[] { 1 })]" : "")}}
                public partial class M{{i}};
                """;
            AssertNoGeneratorFailure(source, $"case {i}:\n{source}");
        }
    }

    [Theory]
    [InlineData("[CausalLM(VocabSize = \"many\", Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class M;")]
    [InlineData("[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = )]\npublic partial class M;")]
    [InlineData("[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2, Layers = null)]\npublic partial class M;")]
    [InlineData("[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[DraftFor(null)]\n[LinearAttention(Heads = 2)]\npublic partial class M;")]
    [InlineData("[CausalLM]\npublic partial class M<T>;")]
    [InlineData("[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\npublic partial class M : System.Exception { }")]
    public void Malformed_declarations_never_crash_the_generator(string declaration)
        => AssertNoGeneratorFailure("using LinearDsl;\nnamespace Demo;\n" + declaration, declaration);

    static void AssertNoGeneratorFailure(string source, string because)
    {
        var (run, compile) = GeneratorHarness.Run(source);
        run.Exception.Should().BeNull(because);
        compile.Should().NotContain(d => d.Id == "CS8785", because);
        run.Diagnostics.Should().NotContain(d => d.GetMessage().Contains("could not read this declaration"), because);
        // Whatever was generated must compile: errors may only come from the user's own malformed text.
        compile.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true)
            .Should().BeEmpty(because);
    }
}
