using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LinearDsl.Analyzers.CodeFixes
{
    /// <summary>LDSL1001 (reported by the generator): adds the <c>partial</c> modifier to the model class.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeModelPartialCodeFix)), Shared]
    public sealed class MakeModelPartialCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.GeneratorNotPartial);

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in context.Diagnostics)
            {
                var type = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<ClassDeclarationSyntax>();
                if (root == null || type == null || type.Modifiers.Any(SyntaxKind.PartialKeyword)) continue;
                context.RegisterCodeFix(CodeAction.Create($"Make '{type.Identifier.ValueText}' partial",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(type, MakePartial(type)))),
                    equivalenceKey: diagnostic.Id), diagnostic);
            }
        }

        /// <summary>'partial' goes last among the modifiers, right before 'class'; with no modifiers it takes the keyword's leading trivia.</summary>
        static ClassDeclarationSyntax MakePartial(ClassDeclarationSyntax type)
        {
            var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            if (type.Modifiers.Count > 0) return type.AddModifiers(partial);
            var keyword = type.Keyword;
            return type.WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
        }
    }
}
