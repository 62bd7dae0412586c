using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LinearDsl.Generators.Model
{
    /// <summary>
    /// What the parser read from one declared model: plain values only (no symbols or syntax), so that the
    /// incremental pipeline compares it by value and skips emission when nothing relevant changed.
    /// </summary>
    internal sealed record ModelSpec(
        string Namespace,
        string ClassName,
        int VocabSize,
        int Dim,
        int Layers,
        int ContextLength,
        bool TiedEmbeddings,
        string Norm,
        double NormEps,
        string Positions,
        double RopeTheta,
        string Mlp,
        int MlpHidden,
        EquatableArray<MixerDecl> LayerMixers,
        string? DraftTarget);

    /// <summary>
    /// The token mixer of one layer, with every setting resolved to a number. The non-causal settings (ConvPadding,
    /// CausalLocal, InclusiveGlobalPrefix, Bidirectional) keep their causal defaults unless they take effect.
    /// </summary>
    internal sealed record MixerDecl(
        string Kind,
        int Heads,
        int KvHeads,
        string FeatureMap,
        int FeatureDim,
        bool Denominator,
        int GroupSize,
        bool Local,
        bool Global,
        bool Conv,
        int ConvTaps,
        double AlphaInit,
        string ConvPadding = "Causal",
        bool CausalLocal = true,
        bool InclusiveGlobalPrefix = false,
        bool Bidirectional = false);

    /// <summary>A diagnostic with its location as values (a Location must not cross pipeline steps).</summary>
    internal sealed record DiagnosticInfo(string Id, string Message, LocationInfo? Location)
    {
        public Diagnostic ToDiagnostic()
            => Diagnostic.Create(Diagnostics.Descriptors.ById(Id), Location?.ToLocation(), Message);
    }

    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(Location? location)
            => location?.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>The parse result: a model to emit (when valid) and the diagnostics to report.</summary>
    internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
}
