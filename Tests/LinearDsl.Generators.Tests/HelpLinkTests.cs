using LinearDsl.Generators.Diagnostics;

namespace LinearDsl.Generators.Tests;

/// <summary>Every generator diagnostic links to its docs page by an absolute URL, and the page exists.</summary>
public sealed class HelpLinkTests
{
    [Fact]
    public void Every_descriptor_has_an_absolute_help_link_to_its_page_a_message_format_and_a_description()
    {
        var docs = Path.Combine(GeneratorBaselineTests.SourceDirectory(), "..", "..", "docs", "diagnostics");
        Descriptors.All.Should().NotBeEmpty();
        foreach (var descriptor in Descriptors.All)
        {
            Uri.TryCreate(descriptor.HelpLinkUri, UriKind.Absolute, out var uri).Should().BeTrue(descriptor.Id);
            uri!.Scheme.Should().Be("https");
            descriptor.HelpLinkUri.Should().EndWith("/" + descriptor.Id + ".md");
            File.Exists(Path.Combine(docs, descriptor.Id + ".md")).Should().BeTrue($"docs/diagnostics/{descriptor.Id}.md exists");
            descriptor.Description.ToString().Should().NotBeNullOrWhiteSpace(descriptor.Id);
            descriptor.MessageFormat.ToString().Should().NotBe("{0}", descriptor.Id);
        }
    }

    [Fact]
    public void Every_ID_constant_has_a_descriptor()
        => typeof(Descriptors).GetFields().Where(f => f.Name.EndsWith("Id") && f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)
            .Should().BeEquivalentTo(Descriptors.All.Select(d => d.Id));
}
