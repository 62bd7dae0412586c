using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>Plain decoding of a seq2seq model; the "prompts" of <see cref="Start"/> are the sources, one per row.</summary>
public sealed class Seq2SeqDecoder(Seq2SeqModel model) : ITokenDecoder
{
    /// <summary>The model.</summary>
    public Seq2SeqModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
        => new Seq2SeqPlainDecodingSession(Model, prompts, options);
}

/// <summary>
/// Speculative decoding of a seq2seq target with a small seq2seq draft (chain drafting, exact acceptance); the
/// "prompts" of <see cref="Start"/> are the sources, one per row. Greedy output equals <see cref="Seq2SeqDecoder"/>'s.
/// </summary>
public sealed class Seq2SeqSpeculativeDecoder : ITokenDecoder
{
    /// <summary>Pairs a target with a draft; they must share the vocabulary and the decoder start token.</summary>
    public Seq2SeqSpeculativeDecoder(Seq2SeqModel target, Seq2SeqModel draft, SpeculationOptions? options = null)
    {
        Target = target ?? throw new ArgumentNullException(nameof(target));
        Draft = draft ?? throw new ArgumentNullException(nameof(draft));
        if (draft.VocabSize != target.VocabSize)
            throw new ArgumentException($"The draft's vocabulary ({draft.VocabSize} tokens) differs from the target's ({target.VocabSize}); a draft must share its target's tokenizer.", nameof(draft));
        if (draft.Config.DecoderStartTokenId != target.Config.DecoderStartTokenId)
            throw new ArgumentException($"The draft's decoder starts from token {draft.Config.DecoderStartTokenId} but the target's from {target.Config.DecoderStartTokenId}; they must start from the same token.", nameof(draft));
        Options = options ?? new SpeculationOptions();
        Options.Validate();
        if (Options.Mode != SpeculationMode.Chain)
            throw new ArgumentException($"Seq2seq speculative decoding drafts chains; Mode {Options.Mode} is not supported here, use SpeculationMode.Chain.", nameof(options));
    }

    /// <summary>The model whose distribution the output follows.</summary>
    public Seq2SeqModel Target { get; }

    /// <summary>The cheap model that proposes tokens.</summary>
    public Seq2SeqModel Draft { get; }

    /// <summary>Draft length settings.</summary>
    public SpeculationOptions Options { get; }

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
        => new Seq2SeqSpeculativeDecodingSession(Target, Draft, prompts, options, Options);
}
