using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Tests;

/// <summary>
/// Declarations that once crashed the generator (CS8785, every other model losing its code) or made it write code
/// that does not compile. Each is generated next to a well-formed model, which must keep its generated code.
/// </summary>
public sealed class HostileDeclarationTests
{
    const string Model = "[LinearDsl.CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearDsl.LinearAttention(Heads = 2)]\n";
    const string Bystander = "namespace Other;\n" + Model + "public partial class Bystander;";

    [Fact]
    public void A_model_in_a_namespace_of_keywords_is_generated_with_escaped_names()
    {
        var (run, compile) = RunWithBystander("namespace @class.@int;\n" + Model + "public partial class M;");
        AssertCompiles(run, compile);
        run.GeneratedSources.Should().HaveCount(2);
        run.GeneratedSources.Select(s => s.SourceText.ToString()).Should().Contain(s => s.Contains("namespace @class.@int"));
    }

    [Fact]
    public void Two_models_whose_names_differ_only_in_case_get_distinct_hint_names()
    {
        var (run, compile) = RunWithBystander("namespace Demo;\n" + Model + "public partial class Model;\n" + Model + "public partial class model;");
        AssertCompiles(run, compile);
        run.GeneratedSources.Select(s => s.HintName.ToUpperInvariant()).Should().OnlyHaveUniqueItems().And.HaveCount(3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CausalLM_on_two_parts_of_a_class_is_reported_and_generated_once(bool separateFiles)
    {
        const string first = "namespace Demo;\n" + Model + "public partial class M;\n";
        const string second = "namespace Demo;\n[LinearDsl.CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\npublic partial class M;";
        var (run, compile) = separateFiles ? GeneratorHarness.Run(first, second, Bystander) : GeneratorHarness.Run(first + second.Replace("namespace Demo;\n", ""), Bystander);
        AssertNoCrash(run, compile);
        run.Diagnostics.Should().ContainSingle(d => d.Id == "LDSL1008").Which.GetMessage().Should().Be("'M' has [CausalLM] on more than one part; keep one of them.");
        run.GeneratedSources.Select(s => s.HintName).Should().BeEquivalentTo("Demo.M.g.cs", "Other.Bystander.g.cs");
        GeneratedErrors(compile).Should().BeEmpty();
    }

    [Theory]
    [InlineData("GeneratedDecodeProgram")]
    [InlineData("@class")]
    [InlineData("var")]
    [InlineData("RegisterDecodeProgram")]
    public void A_model_class_named_like_a_keyword_or_a_generated_helper_compiles(string name)
    {
        var (run, compile) = RunWithBystander("namespace Demo;\n" + Model + $"public partial class {name};");
        AssertCompiles(run, compile);
        run.GeneratedSources.Should().HaveCount(2);
    }

    [Fact]
    public void A_user_member_named_like_a_generated_helper_is_kept_out_of_the_way()
    {
        var (run, compile) = RunWithBystander("namespace Demo;\n" + Model + "public partial class M { class GeneratedDecodeProgram { } static void RegisterDecodeProgram() { } }");
        AssertCompiles(run, compile);
    }

    [Theory]
    [InlineData("public partial class Config;", "Config")]
    [InlineData("public partial class Create;", "Create")]
    [InlineData("public partial class M;\npublic partial class M { public static int DecodeProgram => 0; }", "DecodeProgram")]
    [InlineData("public partial class M { public const int Config = 1; }", "Config")]
    [InlineData("public partial class M { public static void Save(LinearDsl.Runtime.Modeling.CausalLanguageModel model, string directory) { } }", "Save")]
    public void A_name_the_generator_needs_taken_by_the_user_is_reported(string declaration, string member)
    {
        var (run, compile) = RunWithBystander("namespace Demo;\n" + Model + declaration);
        AssertNoCrash(run, compile);
        run.Diagnostics.Should().ContainSingle(d => d.Id == "LDSL1014").Which.GetMessage().Should().Contain($"'{member}'");
        run.GeneratedSources.Select(s => s.HintName).Should().Equal("Other.Bystander.g.cs");
        GeneratedErrors(compile).Should().BeEmpty();
    }

    [Fact]
    public void A_user_overload_of_a_generated_method_is_not_a_conflict()
    {
        var (run, compile) = RunWithBystander("namespace Demo;\n" + Model + "public partial class M { public static int Create(string name) => name.Length; }");
        AssertCompiles(run, compile);
    }

    [Fact]
    public void A_file_local_model_is_reported_instead_of_generated_onto_another_type()
    {
        var (run, compile) = RunWithBystander("namespace Demo;\n" + Model + "file partial class M;");
        AssertNoCrash(run, compile);
        run.Diagnostics.Should().ContainSingle(d => d.Id == "LDSL1011").Which.GetMessage().Should().Contain("file-local");
        run.GeneratedSources.Select(s => s.HintName).Should().Equal("Other.Bystander.g.cs");
    }

    (GeneratorRunResult Run, System.Collections.Immutable.ImmutableArray<Diagnostic> Compile) RunWithBystander(string source)
        => GeneratorHarness.Run(source, Bystander);

    static void AssertNoCrash(GeneratorRunResult run, System.Collections.Immutable.ImmutableArray<Diagnostic> compile)
    {
        run.Exception.Should().BeNull();
        compile.Should().NotContain(d => d.Id == "CS8785");
        run.Diagnostics.Should().NotContain(d => d.Id == "LDSL1099");
        run.GeneratedSources.Select(s => s.HintName).Should().Contain("Other.Bystander.g.cs", "a bad declaration must not cost the other models their code");
    }

    static void AssertCompiles(GeneratorRunResult run, System.Collections.Immutable.ImmutableArray<Diagnostic> compile)
    {
        AssertNoCrash(run, compile);
        run.Diagnostics.Should().BeEmpty();
        compile.Where(d => d.Severity == DiagnosticSeverity.Error).Should().BeEmpty();
        compile.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true).Should().BeEmpty();
    }

    static IEnumerable<Diagnostic> GeneratedErrors(System.Collections.Immutable.ImmutableArray<Diagnostic> compile)
        => compile.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true);
}
