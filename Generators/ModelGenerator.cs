using System;
using System.Collections.Generic;
using System.Collections.Immutable;
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
    /// Turns every class marked <c>[LinearDsl.CausalLM]</c>, <c>[LinearDsl.EncoderModel]</c> or
    /// <c>[LinearDsl.Seq2SeqModel]</c> into a model (one pipeline per attribute): parse (attributes to a value-typed
    /// <see cref="ModelSpec"/> plus diagnostics), then emit (spec to source). Two pipelines leave the parse step:
    /// the sources see only the location-free spec, so moving a declaration re-emits nothing; the diagnostics keep
    /// their locations in the compilation's syntax trees, so #pragma and [SuppressMessage] apply to them.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class ModelGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking names of the pipeline steps (for incremental-generator tests).</summary>
        public static class Steps
        {
            /// <summary>Attributes read into a spec and diagnostics.</summary>
            public const string Parse = "Parse";

            /// <summary>The spec alone, without the diagnostics and their locations.</summary>
            public const string Spec = "Spec";

            /// <summary>Spec written as source.</summary>
            public const string Emit = "Emit";
        }

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var models = new List<IncrementalValueProvider<ImmutableArray<GeneratedModel>>>();
            foreach (var attribute in ModelParser.ModelAttributes)
            {
                var parsed = context.SyntaxProvider
                    .ForAttributeWithMetadataName(attribute,
                        static (node, _) => node is TypeDeclarationSyntax,
                        static (attributeContext, cancellationToken) => SafeParse(attributeContext, cancellationToken))
                    .WithTrackingName(Steps.Parse);

                var emitted = parsed
                    .Select(static (result, _) => result.Spec)
                    .WithTrackingName(Steps.Spec)
                    .Where(static spec => spec != null)
                    .Select(static (spec, _) => new GeneratedModel(spec!.FullName, ModelEmitter.HintName(spec), ModelEmitter.Emit(spec)))
                    .WithTrackingName(Steps.Emit);
                models.Add(emitted.Collect());
                context.RegisterSourceOutput(parsed.Select(static (result, _) => result.Diagnostics), Report);
            }

            // All models at once, so that hint names that differ only in case can be told apart.
            var causal = models[0];
            var others = models[1].Combine(models[2]);
            context.RegisterSourceOutput(causal.Combine(others), static (output, all) =>
            {
                var models = all.Left.AddRange(all.Right.Left).AddRange(all.Right.Right);
                foreach (var (hintName, source) in HintNames.Unique(models)) output.AddSource(hintName, source);
            });
            foreach (var attribute in AttributesWithoutModel.MetadataNames)
            {
                var orphans = context.SyntaxProvider.ForAttributeWithMetadataName(attribute,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (attributeContext, _) => AttributesWithoutModel.Check(attributeContext));
                context.RegisterSourceOutput(orphans, Report);
            }
        }

        static void Report(SourceProductionContext output, EquatableArray<DiagnosticInfo> diagnostics)
        {
            foreach (var diagnostic in diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
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
                var diagnostic = DiagnosticInfo.Create(Descriptors.InternalErrorId, context.TargetNode.GetLocation(), e.GetType().Name, e.Message);
                return new ParseResult(null, new[] { diagnostic }.ToEquatableArray());
            }
        }
    }
}
