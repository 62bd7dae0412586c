using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LinearDsl.Analyzers.CodeFixes
{
    /// <summary>
    /// LDSL2001-LDSL2004 and LDSL2011: removes the non-causal named argument (e.g. <c>ConvPadding = ConvPadding.Centered</c>), so the
    /// causal default applies. An attribute left without arguments loses its parentheses.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveNonCausalSettingCodeFix)), Shared]
    public sealed class RemoveNonCausalSettingCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
            DiagnosticIds.ConvPadding, DiagnosticIds.CausalLocal, DiagnosticIds.InclusiveGlobalPrefix, DiagnosticIds.Bidirectional, DiagnosticIds.LinearBidirectional);

        /// <inheritdoc />
        /// <remarks>Removes every flagged argument of a document in one edit (merged text edits of neighbours in one list would collide).</remarks>
        public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null) return document;
            var arguments = diagnostics.Select(d => root.FindNode(d.Location.SourceSpan).FirstAncestorOrSelf<AttributeArgumentSyntax>())
                .Where(a => a?.NameEquals != null && a.Parent is AttributeArgumentListSyntax).Select(a => a!).Distinct().ToList();
            return document.WithSyntaxRoot(Remove(root, arguments));
        });

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                var argument = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeArgumentSyntax>();
                if (root == null || argument?.NameEquals == null || !(argument.Parent is AttributeArgumentListSyntax list)) continue;
                string title = $"Remove '{argument}' (use the causal default)";
                context.RegisterCodeFix(CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(Remove(root, new[] { argument }))), equivalenceKey: nameof(RemoveNonCausalSettingCodeFix)), diagnostic);
            }
        }

        /// <summary>Removes the arguments; an attribute left with none loses its parentheses.</summary>
        static SyntaxNode Remove(SyntaxNode root, IReadOnlyCollection<AttributeArgumentSyntax> arguments)
        {
            var emptied = arguments.GroupBy(a => (AttributeArgumentListSyntax)a.Parent!)
                .Where(g => g.Key.Arguments.Count == g.Count() && g.Key.Parent is AttributeSyntax).Select(g => (AttributeSyntax)g.Key.Parent!).ToList();
            var rest = arguments.Where(a => !emptied.Contains(a.Parent!.Parent)).ToList();
            root = root.TrackNodes(emptied.Cast<SyntaxNode>().Concat(rest));
            foreach (var attribute in emptied)
            {
                var current = root.GetCurrentNode(attribute)!;
                root = root.ReplaceNode(current, current.WithArgumentList(null).WithTriviaFrom(current));
            }
            return root.RemoveNodes(rest.Select(a => root.GetCurrentNode(a)!), SyntaxRemoveOptions.KeepNoTrivia)!;
        }
    }
}
