using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LinearDsl.Analyzers.CodeFixes
{
    /// <summary>
    /// LDSL2103 on scaled_dot_product_attention: passes <c>is_casual: true</c> (TorchSharp's spelling), replacing an
    /// explicit <c>is_casual: false</c>. A softmax over hand-computed scores needs a mask the fix cannot write: no fix.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCausalMaskCodeFix)), Shared]
    public sealed class AddCausalMaskCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnmaskedAttention);

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                var call = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<InvocationExpressionSyntax>();
                if (root == null || call == null || Name(call) != "scaled_dot_product_attention") continue;
                context.RegisterCodeFix(CodeAction.Create("Pass is_casual: true",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(call, MakeCausal(call)))),
                    equivalenceKey: diagnostic.Id), diagnostic);
            }
        }

        static string? Name(InvocationExpressionSyntax call) => call.Expression switch
        {
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            _ => null,
        };

        static InvocationExpressionSyntax MakeCausal(InvocationExpressionSyntax call)
        {
            var isTrue = SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression);
            var existing = call.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "is_casual");
            if (existing != null) return call.ReplaceNode(existing.Expression, isTrue.WithTriviaFrom(existing.Expression));
            var argument = SyntaxFactory.Argument(SyntaxFactory.NameColon("is_casual"), default, isTrue);
            return call.WithArgumentList(call.ArgumentList.AddArguments(argument));
        }
    }
}
