using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace LinearDsl.Analyzers.Tests;

/// <summary>
/// The declarations of Tests/LinearDsl.Generators.Tests, read as text: the causal ones draw no analyzer diagnostic; the
/// leaky ones (LeakyModels.cs, which LeakyModelTests runs through CausalityProbe) draw LDSL2001-LDSL2004 at their
/// settings once their [SuppressMessage] lines are removed, and none with them.
/// </summary>
public sealed class DeclarationFileTests
{
    static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }

    [Fact]
    public Task The_declared_models_draw_no_diagnostic()
        => new AnalyzerTest<MixerDeclarationAnalyzer>(Resource("DeclaredModels.cs")).RunAsync();

    [Fact]
    public Task The_declared_encoders_and_encoder_decoders_draw_no_diagnostic()
        => new AnalyzerTest<MixerDeclarationAnalyzer>(Resource("EncoderModels.cs")).RunAsync();

    [Fact]
    public Task The_leaky_models_draw_none_while_their_suppressions_stand()
        => new AnalyzerTest<MixerDeclarationAnalyzer>(Resource("LeakyModels.cs")).RunAsync();

    [Fact]
    public Task Without_the_suppressions_every_leaky_setting_is_flagged_where_it_is_written()
    {
        var source = Regex.Replace(Resource("LeakyModels.cs"), @"^\[SuppressMessage\(.*\n", "", RegexOptions.Multiline);
        source.Should().NotContain("[SuppressMessage(");
        var expected = new[]
        {
            Expect(source, "LDSL2001", "ConvPadding = ConvPadding.Centered", "Centered", 3, 1),
            Expect(source, "LDSL2002", "CausalLocal = false"),
            Expect(source, "LDSL2003", "InclusiveGlobalPrefix = true"),
            Expect(source, "LDSL2004", "Bidirectional = true"),
        };
        return new AnalyzerTest<MixerDeclarationAnalyzer>(source, expected).RunAsync();
    }

    /// <summary>The diagnostic expected at the only occurrence of <paramref name="text"/>.</summary>
    static DiagnosticResult Expect(string source, string id, string text, params object[] arguments)
    {
        int at = source.IndexOf(text, StringComparison.Ordinal);
        at.Should().BeGreaterThan(0).And.Be(source.LastIndexOf(text, StringComparison.Ordinal), $"'{text}' occurs once");
        int line = source[..at].Count(c => c == '\n') + 1;
        int column = at - source.LastIndexOf('\n', at - 1);
        return new DiagnosticResult(id, DiagnosticSeverity.Error).WithSpan(line, column, line, column + text.Length).WithArguments(arguments);
    }
}
