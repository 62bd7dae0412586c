using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Tests;

/// <summary>Sizes are computed in long: a model whose tensors cannot exist gets a size diagnostic, never an overflow or a crash.</summary>
public sealed class SizeDiagnosticsTests
{
    [Fact]
    public void Every_size_at_int_MaxValue_gives_size_diagnostics_and_no_crash()
    {
        var (run, compile) = GeneratorHarness.Run("using LinearDsl;\nnamespace Demo;\n"
            + "[CausalLM(VocabSize = int.MaxValue, Dim = int.MaxValue, Layers = int.MaxValue, ContextLength = int.MaxValue)]\n"
            + "[LearnedPositions, SwiGlu(Hidden = int.MaxValue)]\n"
            + "[LinearAttention(Heads = int.MaxValue, KvHeads = int.MaxValue, GroupSize = int.MaxValue, ConvTaps = int.MaxValue)]\npublic partial class M;");
        run.Exception.Should().BeNull();
        compile.Should().NotContain(d => d.Id == "CS8785");
        run.Diagnostics.Should().NotContain(d => d.Id == "LDSL1099");
        run.Diagnostics.Should().Contain(d => d.Id == "LDSL1015");
        run.GeneratedSources.Should().BeEmpty();
    }

    [Fact]
    public void A_projection_wider_than_an_int_is_reported_instead_of_emitted_as_a_negative_buffer()
    {
        var (run, _) = GeneratorHarness.Run("using LinearDsl;\nnamespace Demo;\n"
            + "[CausalLM(VocabSize = 1, Dim = 1073741824, Layers = 1, ContextLength = 64)]\n[NoPositions, SwiGlu(Hidden = 1)]\n"
            + "[LinearAttention(Heads = 1)]\npublic partial class M;");
        run.GeneratedSources.Should().BeEmpty();
        var sizes = run.Diagnostics.Where(d => d.Id == "LDSL1015").Select(d => d.GetMessage()).ToList();
        sizes.Should().Contain(m => m.Contains("3221225472 x 1073741824"), "the fused q/k/v projection has (1 + 2 x 1) x 1073741824 rows");
        run.Diagnostics.Where(d => d.Id == "LDSL1015").Should().OnlyContain(d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void More_layers_than_the_generator_unrolls_are_reported_at_Layers()
    {
        const string source = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 8, Dim = 8, Layers = 100000, ContextLength = 8)]\n[LinearAttention(Heads = 2)]\npublic partial class M;";
        var (run, _) = GeneratorHarness.Run(source);
        var diagnostic = run.Diagnostics.Should().ContainSingle(d => d.Id == "LDSL1015").Subject;
        source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length).Should().Be("Layers = 100000");
        run.GeneratedSources.Should().BeEmpty();
    }
}
