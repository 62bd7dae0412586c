using System.Reflection;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LinearDsl.Analyzers.Tests;

/// <summary>Every analyzer rule links to its docs page by an absolute URL, and the page exists.</summary>
public sealed class HelpLinkTests
{
    [Fact]
    public void Every_rule_has_an_absolute_help_link_to_its_page()
    {
        var docs = Path.Combine(ProjectDirectory(), "..", "..", "docs", "diagnostics");
        var rules = typeof(DiagnosticIds).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)
            .ToList();
        rules.Select(r => r.Id).Should().Contain([DiagnosticIds.ConvPadding, DiagnosticIds.ReadsLaterPosition]);
        foreach (var rule in rules)
        {
            Uri.TryCreate(rule.HelpLinkUri, UriKind.Absolute, out var uri).Should().BeTrue(rule.Id);
            uri!.Scheme.Should().Be("https");
            rule.HelpLinkUri.Should().EndWith("/" + rule.Id + ".md");
            File.Exists(Path.Combine(docs, rule.Id + ".md")).Should().BeTrue($"docs/diagnostics/{rule.Id}.md exists");
        }
    }

    [Fact]
    public void The_analyzers_and_the_generator_link_to_the_same_docs()
    {
        var analyzer = new MixerDeclarationAnalyzer().SupportedDiagnostics[0].HelpLinkUri;
        var generator = (Microsoft.CodeAnalysis.DiagnosticDescriptor)typeof(LinearDsl.Generators.ModelGenerator).Assembly
            .GetType("LinearDsl.Generators.Diagnostics.Descriptors")!.GetField("NotPartial")!.GetValue(null)!;
        generator.HelpLinkUri.Should().StartWith(analyzer[..(analyzer.LastIndexOf('/') + 1)]);
    }

    static string ProjectDirectory()
        => typeof(HelpLinkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;
}
