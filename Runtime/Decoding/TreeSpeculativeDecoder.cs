using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Tree speculative decoding (docs/speculative.md, "Tree drafting"): candidates from a draft model
/// (<see cref="SpeculationMode.Tree"/>), from the target's Medusa heads (<see cref="SpeculationMode.Heads"/>, no
/// draft) or both (<see cref="SpeculationMode.HeadsAndDraft"/>), verified as one tree per target call.
/// </summary>
public sealed class TreeSpeculativeDecoder : ITokenDecoder
{
    /// <summary>Pairs a target with an optional draft; the mode in <paramref name="options"/> says which proposes.</summary>
    /// <exception cref="ArgumentException">The mode is Chain, a draft is missing or superfluous, the vocabularies differ, or heads are needed and missing.</exception>
    public TreeSpeculativeDecoder(CausalLanguageModel target, CausalLanguageModel? draft, SpeculationOptions options)
    {
        Target = target ?? throw new ArgumentNullException(nameof(target));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        switch (options.Mode)
        {
            case SpeculationMode.Chain:
                throw new ArgumentException("Mode Chain decodes with SpeculativeDecoder; choose Tree, Heads or HeadsAndDraft here.", nameof(options));
            case SpeculationMode.Heads when draft is not null:
                throw new ArgumentException("Mode Heads proposes with the target's Medusa heads alone; pass no draft, or choose HeadsAndDraft.", nameof(draft));
            case SpeculationMode.Tree or SpeculationMode.HeadsAndDraft when draft is null:
                throw new ArgumentException($"Mode {options.Mode} needs a draft model.", nameof(draft));
        }
        if (draft is not null && draft.VocabSize != target.VocabSize)
            throw new ArgumentException($"The draft's vocabulary ({draft.VocabSize} tokens) differs from the target's ({target.VocabSize}); a draft must share its target's tokenizer.", nameof(draft));
        if (options.Mode is SpeculationMode.Heads or SpeculationMode.HeadsAndDraft && target.Medusa is null)
            throw new ArgumentException("This target has no Medusa heads; train them with `lineardsl train-heads` and load that checkpoint, or choose Mode Tree or Chain.", nameof(target));
        Draft = draft;
    }

    /// <summary>The model whose distribution the output follows.</summary>
    public CausalLanguageModel Target { get; }

    /// <summary>The draft model, or null in <see cref="SpeculationMode.Heads"/>.</summary>
    public CausalLanguageModel? Draft { get; }

    /// <summary>Mode and tree settings.</summary>
    public SpeculationOptions Options { get; }

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
        => new TreeDecodingSession(Target, Draft, prompts, options, Options);

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options, CancellationToken cancellationToken)
        => new TreeDecodingSession(Target, Draft, prompts, options, Options, cancellationToken: cancellationToken);

    /// <summary>Starts a session whose acceptance skips the residual update between siblings (wrong; tests only).</summary>
    internal DecodingSession StartWithoutResidual(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
        => new TreeDecodingSession(Target, Draft, prompts, options, Options, residualBetweenSiblings: false);
}
