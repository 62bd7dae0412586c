using System.Runtime.CompilerServices;
using System.Text;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// Text generation over a tokenizer and a token decoder (plain or speculative): prompt text in, streamed text out.
/// </summary>
/// <remarks>
/// <para>Concurrency: the generator is safe to call from many threads, but requests on the same models run one after
/// the other. Each request holds a <see cref="SemaphoreSlim"/> per model (target and draft) from the start of its
/// decoding session to its disposal, because a model is not safe for concurrent calls (shared rotary caches, one
/// native thread pool). A request waiting for the models can be cancelled.</para>
/// <para>Threads: decoding rounds run synchronously between awaits (TorchSharp's dispose scopes are per thread and
/// never cross an await), and the continuations run where the caller's context puts them, as in
/// <see cref="DecodingSession.StreamAsync"/>.</para>
/// </remarks>
public sealed class TextGenerator : ITextGenerator
{
    readonly ITokenDecoder _decoder;
    readonly LinearDslGenerationOptions _defaults;
    readonly IReadOnlyList<object> _lockedResources;
    readonly ILogger _logger;

    /// <summary>A generator over <paramref name="tokenizer"/> and <paramref name="decoder"/>.</summary>
    /// <param name="tokenizer">Turns prompts into tokens and tokens into text; its vocabulary must fit the models.</param>
    /// <param name="decoder">Generates the tokens.</param>
    /// <param name="defaults">Settings of requests that do not give their own; null takes <see cref="LinearDslGenerationOptions"/>'s defaults.</param>
    /// <param name="logger">Receives a line per request; null logs nothing.</param>
    public TextGenerator(ITextTokenizer tokenizer, ITokenDecoder decoder, LinearDslGenerationOptions? defaults = null, ILogger<TextGenerator>? logger = null)
    {
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        _defaults = defaults ?? new LinearDslGenerationOptions();
        _lockedResources = ModelLocks.ResourcesOf(decoder);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public ITextTokenizer Tokenizer { get; }

    /// <summary>The decoder that generates the tokens.</summary>
    public ITokenDecoder Decoder => _decoder;

    /// <summary>The longest prompt accepted, in tokens: the smallest context length of the decoder's models, or null when they carry no config.</summary>
    public int? MaxPromptTokens => _decoder switch
    {
        PlainDecoder plain => plain.Model.Config?.ContextLength,
        SpeculativeDecoder pair => pair.Target.Config is { } target && pair.Draft.Config is { } draft ? Math.Min(target.ContextLength, draft.ContextLength) : null,
        TreeSpeculativeDecoder { Draft: null } heads => heads.Target.Config?.ContextLength,
        TreeSpeculativeDecoder tree => tree.Target.Config is { } target && tree.Draft!.Config is { } draft ? Math.Min(target.ContextLength, draft.ContextLength) : null,
        Seq2SeqDecoder seq2seq => seq2seq.Model.Config.ContextLength,
        Seq2SeqSpeculativeDecoder pair => Math.Min(pair.Target.Config.ContextLength, pair.Draft.Config.ContextLength),
        _ => null,
    };

    /// <inheritdoc />
    public async Task<TextGenerationResult> GenerateAsync(string prompt, TextGenerationRequest? request = null, CancellationToken cancellationToken = default)
    {
        await foreach (var update in StreamAsync(prompt, request, cancellationToken))
        {
            if (update.Result is not null) return update.Result;
        }
        throw new InvalidOperationException("The generation stream ended without a result.");
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<TextGenerationUpdate> StreamAsync(string prompt, TextGenerationRequest? request = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var options = DecodingOptions(request ?? new TextGenerationRequest());
        var matcher = new StopSequenceMatcher(_defaults.StopSequences.Concat(request?.StopSequences ?? []));
        long[] promptTokens = EncodePrompt(prompt);

        if (_lockedResources.Any(ModelLocks.IsHeld)) HostingLog.WaitingForModels(_logger);
        TextGenerationResult result;
        using (await ModelLocks.AcquireAsync(_lockedResources, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            HostingLog.GenerationStarted(_logger, promptTokens.Length, options.MaxNewTokens, options.Sampling.Temperature, options.Seed);
            using var session = _decoder.Start([promptTokens], options, cancellationToken);
            var text = new StringBuilder();
            var decoder = Tokenizer.CreateStreamingDecoder();
            await foreach (var update in session.StreamAsync(cancellationToken))
            {
                var tokens = update.Finished == FinishReason.EndOfText ? update.Tokens.Take(update.Tokens.Count - 1) : update.Tokens;
                string released = matcher.Append(decoder.Append(tokens.ToArray()));
                if (matcher.Matched is not null)
                {
                    // Drop the rest of the round and end the row: the text is complete.
                    session.Stop(0);
                    text.Append(released);
                    if (released.Length > 0) yield return new TextGenerationUpdate(released);
                    break;
                }
                text.Append(released);
                if (released.Length > 0) yield return new TextGenerationUpdate(released);
            }
            string tail = string.Empty;
            if (matcher.Matched is null)
            {
                // Incomplete bytes at the end become U+FFFD; they may still complete a stop sequence.
                tail = matcher.Append(decoder.Flush());
                if (matcher.Matched is null) tail += matcher.Flush();
            }
            text.Append(tail);
            result = new TextGenerationResult
            {
                Text = text.ToString(),
                FinishReason = matcher.Matched is not null ? FinishReason.Stopped
                    : session.FinishReasons[0] == FinishReason.EndOfText ? FinishReason.EndOfText : FinishReason.Length,
                StopSequence = matcher.Matched,
                PromptTokenCount = promptTokens.Length,
                GeneratedTokenCount = session.Generated[0].Count,
                Statistics = session.Statistics,
            };
            HostingLog.GenerationFinished(_logger, result.FinishReason, result.Statistics);
            if (tail.Length > 0) yield return new TextGenerationUpdate(tail);
        }
        // The session and the model locks are released before the caller sees the result.
        yield return new TextGenerationUpdate(string.Empty, result);
    }

    /// <summary>The decoding options of a request: its own values, else the defaults; the tokenizer's end-of-text token.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (the message says which and why).</exception>
    GenerationOptions DecodingOptions(TextGenerationRequest request)
    {
        var options = new GenerationOptions
        {
            MaxNewTokens = request.MaxNewTokens ?? _defaults.MaxNewTokens,
            EndOfTextToken = Tokenizer.EndOfTextId,
            Sampling = new SamplingOptions
            {
                Temperature = request.Temperature ?? _defaults.Temperature,
                TopK = request.TopK ?? _defaults.TopK,
                TopP = request.TopP ?? _defaults.TopP,
            },
            Seed = request.Seed ?? _defaults.Seed ?? Random.Shared.Next(),
        };
        options.Validate();
        return options;
    }

    /// <summary>The prompt's tokens (at most <see cref="MaxPromptTokens"/>); an empty prompt starts from the end-of-text token (GPT-2's convention) when there is one.</summary>
    long[] EncodePrompt(string prompt)
    {
        long[] tokens = Tokenizer.Encode(prompt);
        if (MaxPromptTokens is int limit && tokens.Length > limit) throw new PromptTooLongException(tokens.Length, limit);
        if (tokens.Length > 0) return tokens;
        if (Tokenizer.EndOfTextId is long endOfText) return [endOfText];
        throw new ArgumentException($"The prompt is empty and the tokenizer '{Tokenizer.Name}' has no end-of-text token to start from; give at least one character.", nameof(prompt));
    }
}
