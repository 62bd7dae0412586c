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
    /// LDSL1007 (reported by the generator) when [LinearAttention] sets both Groups and GroupSize: offers to keep either
    /// one and remove the other. The other LDSL1007 conditions (a value that does not fit the context) need a number
    /// that only the author can choose, so they get no fix.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveConflictingGroupSettingCodeFix)), Shared]
    public sealed class RemoveConflictingGroupSettingCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.GeneratorGroupSettings);

        /// <inheritdoc />
        public override FixAllProvider? GetFixAllProvider() => null;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                var argument = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeArgumentSyntax>();
                if (root == null || argument?.NameEquals?.Name.Identifier.ValueText != "GroupSize" || !(argument.Parent is AttributeArgumentListSyntax list)) continue;
                var groups = list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Groups");
                if (groups == null) continue;                                      // not the "both set" case
                foreach (var (keep, remove) in new[] { (groups, argument), (argument, groups) })
                {
                    context.RegisterCodeFix(CodeAction.Create($"Keep '{keep}' and remove '{remove}'",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.RemoveNode(remove, SyntaxRemoveOptions.KeepNoTrivia)!)),
                        equivalenceKey: "Keep" + keep.NameEquals!.Name.Identifier.ValueText), diagnostic);
                }
            }
        }
    }
}
