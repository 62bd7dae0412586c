using System;
using System.Threading;
using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Emitting;
using LinearDsl.Generators.Model;
using LinearDsl.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LinearDsl.Generators
{
    /// <summary>
    /// Turns every class marked <c>[LinearDsl.CausalLM]</c> into a model: parse (attributes to a value-typed
    /// <see cref="ModelSpec"/> plus diagnostics), then emit (spec to source). Only values cross the steps, so an
    /// edit elsewhere leaves both cached, and an edit to one declaration re-emits only that model.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class ModelGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking names of the pipeline steps (for incremental-generator tests).</summary>
        public static class Steps
        {
            /// <summary>Attributes read into a spec and diagnostics.</summary>
            public const string Parse = "Parse";

            /// <summary>Spec written as source.</summary>
            public const string Emit = "Emit";
        }

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName("LinearDsl.CausalLMAttribute",
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (attributeContext, cancellationToken) => SafeParse(attributeContext, cancellationToken))
                .WithTrackingName(Steps.Parse);

            var emitted = parsed
                .Select(static (result, _) => new GeneratedModel(
                    result.Diagnostics,
                    result.Spec == null ? null : ModelEmitter.HintName(result.Spec),
                    result.Spec == null ? null : ModelEmitter.Emit(result.Spec)))
                .WithTrackingName(Steps.Emit);

            context.RegisterSourceOutput(emitted, static (output, model) =>
            {
                foreach (var diagnostic in model.Diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
                if (model.HintName != null && model.Source != null) output.AddSource(model.HintName, model.Source);
            });
        }

        /// <summary>The parser checks every value; this is the last guard that keeps the compiler alive on a bug of ours.</summary>
        static ParseResult SafeParse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            try
            {
                return ModelParser.Parse(context, cancellationToken);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                var location = LocationInfo.From(context.TargetNode.GetLocation());
                var diagnostic = new DiagnosticInfo(Descriptors.InternalErrorId,
                    $"The LinearDsl generator could not read this declaration ({e.GetType().Name}: {e.Message}); please report it with the declaration.", location);
                return new ParseResult(null, new[] { diagnostic }.ToEquatableArray());
            }
        }

        sealed record GeneratedModel(EquatableArray<DiagnosticInfo> Diagnostics, string? HintName, string? Source);
    }
}
