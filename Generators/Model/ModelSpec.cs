using System;
using System.Linq;
using LinearDsl.Kinds;
using Microsoft.CodeAnalysis;

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
        string? DraftTarget)
    {
        /// <summary>The nested decode-program type: "GeneratedDecodeProgram" unless the user's class takes that name.</summary>
        public string ProgramType { get; init; } = "GeneratedDecodeProgram";

        /// <summary>The module initializer: "RegisterDecodeProgram" unless the user's class takes that name.</summary>
        public string RegisterMethod { get; init; } = "RegisterDecodeProgram";

        /// <summary>Medusa heads declared with [MedusaHeads], or null for none.</summary>
        public MedusaDecl? Medusa { get; init; }

        /// <summary>What the class declares: a causal LM ([CausalLM]), an encoder ([EncoderModel]) or an encoder-decoder ([Seq2SeqModel]).</summary>
        public ModelArchitecture Architecture { get; init; } = ModelArchitecture.CausalLM;

        /// <summary>An encoder's MLM and pooling settings; null unless <see cref="Architecture"/> is Encoder.</summary>
        public EncoderDecl? Encoder { get; init; }

        /// <summary>A seq2seq model's encoder stack, cross-attention and start token; null unless <see cref="Architecture"/> is Seq2Seq (<see cref="Layers"/> and <see cref="LayerMixers"/> are then its decoder stack).</summary>
        public Seq2SeqDecl? Seq2Seq { get; init; }

        /// <summary>Biases on the attention projections ([EncoderModel] and [Seq2SeqModel] AttentionBias).</summary>
        public bool AttentionBias { get; init; }

        /// <summary>True when a type named 'var' is in scope, so that the generated locals name their types.</summary>
        public bool VarIsAType { get; init; }

        /// <summary>The namespace and class, unescaped and dot-separated (hint names, duplicate detection).</summary>
        public string FullName => Namespace.Length == 0 ? ClassName : Namespace + "." + ClassName;
    }

    /// <summary>The model attributes, and the runtime's ModelArchitecture of the same names.</summary>
    internal enum ModelArchitecture
    {
        /// <summary>[CausalLM].</summary>
        CausalLM,

        /// <summary>[EncoderModel].</summary>
        Encoder,

        /// <summary>[Seq2SeqModel].</summary>
        Seq2Seq,
    }

    /// <summary>
    /// An encoder's mask token (checked to lie in the vocabulary), pooling ("Mean" or "First", LinearDsl.Pooling), norm
    /// placement ("Pre" or "Post"), token types (0 for none) and masked-LM head ("Linear", "Transform" or "None").
    /// </summary>
    internal sealed record EncoderDecl(int MaskTokenId, string Pooling, string NormPlacement, int TokenTypes, string MlmHead);

    /// <summary>A seq2seq model's encoder stack (one mixer per layer), its decoder's cross-attention, and the decoder's start token.</summary>
    internal sealed record Seq2SeqDecl(int EncoderLayers, EquatableArray<MixerDecl> EncoderMixers, CrossAttentionDecl CrossAttention, int DecoderStartTokenId);

    /// <summary>Cross-attention: "Softmax" or "Linear" (the runtime's CrossAttentionKind), its heads, and the feature map of the linear kind (null for softmax).</summary>
    internal sealed record CrossAttentionDecl(string Kind, int Heads, int KvHeads, LinearFeatureMap? FeatureMap);

    /// <summary>Medusa heads: their number and residual blocks per head, both checked.</summary>
    internal sealed record MedusaDecl(int Count, int Layers, bool Float16Storage = false);

    /// <summary>
    /// The token mixer of one layer: its head layout and its kind's options (a record of the shared mixer kinds, compared
    /// by value), every setting resolved. A non-causal setting that cannot take effect holds its causal default.
    /// </summary>
    internal sealed record MixerDecl(int Heads, int KvHeads, MixerOptions Options);

    /// <summary>
    /// A diagnostic as a value: its ID, its message arguments, and a location in the compilation's own syntax tree
    /// (a SourceLocation, so that #pragma and [SuppressMessage] apply). It travels only on the diagnostics pipeline;
    /// the emitter sees the location-free <see cref="ModelSpec"/>.
    /// </summary>
    internal sealed record DiagnosticInfo(string Id, Location? Location, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(string id, Location? location, params string[] arguments)
            => new DiagnosticInfo(id, location != null && location.IsInSource ? location : null, arguments.ToEquatableArray());

        public Diagnostic ToDiagnostic()
            => Diagnostic.Create(Diagnostics.Descriptors.ById(Id), Location, Arguments.Select(a => (object)a).ToArray());
    }

    /// <summary>The parse result: a model to emit (when valid) and the diagnostics to report.</summary>
    internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
}
