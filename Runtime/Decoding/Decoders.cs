using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>Starts generation requests on a model (or a target and draft pair).</summary>
public interface ITokenDecoder
{
    /// <summary>Starts a request over <paramref name="prompts"/> (one row each; rows may differ in length).</summary>
    DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options);

    /// <summary>Starts a request whose prompt prefill stops, between blocks, when <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled during the prefill.</exception>
    DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Start(prompts, options);
    }
}

/// <summary>Plain decoding of one model.</summary>
public sealed class PlainDecoder(CausalLanguageModel model) : ITokenDecoder
{
    /// <summary>The model.</summary>
    public CausalLanguageModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
        => new PlainDecodingSession(Model, prompts, options);

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options, CancellationToken cancellationToken)
        => new PlainDecodingSession(Model, prompts, options, cancellationToken: cancellationToken);
}

/// <summary>Speculative decoding of a target with a draft (docs/method.md, "Exact speculative decoding").</summary>
public sealed class SpeculativeDecoder : ITokenDecoder
{
    /// <summary>Pairs a target with a draft; they must share the vocabulary.</summary>
    public SpeculativeDecoder(CausalLanguageModel target, CausalLanguageModel draft, SpeculationOptions? options = null)
    {
        Target = target ?? throw new ArgumentNullException(nameof(target));
        Draft = draft ?? throw new ArgumentNullException(nameof(draft));
        if (draft.VocabSize != target.VocabSize)
            throw new ArgumentException($"The draft's vocabulary ({draft.VocabSize} tokens) differs from the target's ({target.VocabSize}); a draft must share its target's tokenizer.", nameof(draft));
        Options = options ?? new SpeculationOptions();
        Options.Validate();
    }

    /// <summary>The model whose distribution the output follows.</summary>
    public CausalLanguageModel Target { get; }

    /// <summary>The cheap model that proposes tokens.</summary>
    public CausalLanguageModel Draft { get; }

    /// <summary>Draft length settings.</summary>
    public SpeculationOptions Options { get; }

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
        => new SpeculativeDecodingSession(Target, Draft, prompts, options, Options);

    /// <inheritdoc />
    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options, CancellationToken cancellationToken)
        => new SpeculativeDecodingSession(Target, Draft, prompts, options, Options, cancellationToken: cancellationToken);

    /// <summary>Starts a session with a deliberately wrong acceptance rule (tests only).</summary>
    internal DecodingSession StartWithRule(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options, AcceptanceRule rule)
        => new SpeculativeDecodingSession(Target, Draft, prompts, options, Options, rule);
}
