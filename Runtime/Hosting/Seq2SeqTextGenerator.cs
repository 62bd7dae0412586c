using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// Text generation over a <see cref="Seq2SeqModel"/>: the prompt is the source, encoded once; the decoder starts from
/// the model's decoder start token and steps one token at a time (greedy at temperature 0, else sampled with the
/// request's seed) over the ids the tokenizer can write, streaming the target text. Stop sequences, finish reasons and concurrency behave as in
/// <see cref="TextGenerator"/>: requests on the same model run one after the other.
/// </summary>
public sealed class Seq2SeqTextGenerator : ITextGenerator
{
    readonly Seq2SeqModel _model;
    readonly LinearDslGenerationOptions _defaults;
    readonly ILogger _logger;

    /// <summary>A generator over <paramref name="model"/> that tokenizes with <paramref name="tokenizer"/>.</summary>
    /// <param name="tokenizer">Turns sources into tokens and tokens into text; its vocabulary must fit the model.</param>
    /// <param name="model">The encoder-decoder.</param>
    /// <param name="defaults">Settings of requests that do not give their own; null takes <see cref="LinearDslGenerationOptions"/>'s defaults.</param>
    /// <param name="logger">Receives a line per request; null logs nothing.</param>
    /// <exception cref="ArgumentException">The tokenizer has more ids than the model.</exception>
    public Seq2SeqTextGenerator(ITextTokenizer tokenizer, Seq2SeqModel model, LinearDslGenerationOptions? defaults = null, ILogger<Seq2SeqTextGenerator>? logger = null)
    {
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _model = model ?? throw new ArgumentNullException(nameof(model));
        if (tokenizer.VocabSize > model.VocabSize)
            throw new ArgumentException($"The tokenizer '{tokenizer.Name}' has {tokenizer.VocabSize} token ids but the seq2seq model's vocabulary has only {model.VocabSize}; use the tokenizer the model was trained with.", nameof(tokenizer));
        _defaults = defaults ?? new LinearDslGenerationOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public ITextTokenizer Tokenizer { get; }

    /// <summary>The model.</summary>
    public Seq2SeqModel Model => _model;

    /// <summary>The longest source accepted, in tokens: the model's context length.</summary>
    public int MaxPromptTokens => _model.Config.ContextLength;

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
        request ??= new TextGenerationRequest();
        var sampling = new SamplingOptions
        {
            Temperature = request.Temperature ?? _defaults.Temperature,
            TopK = request.TopK ?? _defaults.TopK,
            TopP = request.TopP ?? _defaults.TopP,
        };
        var options = new GenerationOptions
        {
            MaxNewTokens = request.MaxNewTokens ?? _defaults.MaxNewTokens,
            EndOfTextToken = Tokenizer.EndOfTextId,
            Sampling = sampling,
            Seed = request.Seed ?? _defaults.Seed ?? Random.Shared.Next(),
        };
        options.Validate();
        var matcher = new StopSequenceMatcher(_defaults.StopSequences.Concat(request.StopSequences ?? []));
        long[] source = Tokenizer.Encode(prompt);
        if (source.Length == 0)
            throw new ArgumentException("The source text is empty; a seq2seq model needs at least one source character to encode.", nameof(prompt));
        if (source.Length > MaxPromptTokens) throw new PromptTooLongException(source.Length, MaxPromptTokens);
        // The decoder's start token takes position 0, so at most context - 1 tokens follow it.
        int limit = Math.Min(options.MaxNewTokens, MaxPromptTokens - 1);

        if (ModelLocks.IsHeld(_model)) HostingLog.WaitingForModels(_logger);
        TextGenerationResult result;
        using (await ModelLocks.AcquireAsync([_model], cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            HostingLog.GenerationStarted(_logger, source.Length, options.MaxNewTokens, sampling.Temperature, options.Seed);
            var clock = Stopwatch.StartNew();
            var statistics = new DecodingStatistics();
            var random = new Random(options.Seed);
            var text = new StringBuilder();
            var decoder = Tokenizer.CreateStreamingDecoder();
            var finish = FinishReason.Length;
            int generated = 0;
            using var memory = Encode(source);
            using var state = _model.CreateState(memory);
            long next = _model.Config.DecoderStartTokenId;
            while (generated < limit)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long token = NextToken(next, state, sampling, random);
                generated++;
                statistics.TargetCalls++;
                statistics.Rounds++;
                statistics.TimeToFirstToken ??= clock.Elapsed;
                if (token == options.EndOfTextToken)
                {
                    finish = FinishReason.EndOfText;
                    break;
                }
                string released = matcher.Append(decoder.Append(token));
                text.Append(released);
                if (released.Length > 0) yield return new TextGenerationUpdate(released);
                if (matcher.Matched is not null)
                {
                    finish = FinishReason.Stopped;
                    break;
                }
                next = token;
                // Let other work run between steps, as the decoding sessions do between rounds.
                await Task.Yield();
            }
            string tail = string.Empty;
            if (matcher.Matched is null)
            {
                tail = matcher.Append(decoder.Flush());
                if (matcher.Matched is null) tail += matcher.Flush();
                else finish = FinishReason.Stopped;
            }
            text.Append(tail);
            statistics.TokensGenerated = generated;
            statistics.MeanAcceptedLength = statistics.TargetCalls == 0 ? 0 : 1;
            statistics.Elapsed = clock.Elapsed;
            result = new TextGenerationResult
            {
                Text = text.ToString(),
                FinishReason = finish,
                StopSequence = matcher.Matched,
                PromptTokenCount = source.Length,
                GeneratedTokenCount = generated,
                Statistics = statistics,
            };
            HostingLog.GenerationFinished(_logger, finish, statistics);
            if (tail.Length > 0) yield return new TextGenerationUpdate(tail);
        }
        yield return new TextGenerationUpdate(string.Empty, result);
    }

    /// <summary>The source's encoder memory (kept by the memory object, outside any dispose scope of this method).</summary>
    EncoderMemory Encode(long[] source)
    {
        using var input = tensor(source, [1, source.Length]);
        return _model.Encode(input);
    }

    /// <summary>Feeds <paramref name="input"/> to the decoder and picks the next token from its logits (float64 on the host).</summary>
    long NextToken(long input, Seq2SeqState state, SamplingOptions sampling, Random random)
    {
        using var scope = NewDisposeScope();
        var logits = _model.Step(tensor(new[] { input }, [1, 1]), state);
        // Only ids the tokenizer can write are candidates (a model's vocabulary may be padded beyond them).
        double[] values = logits.reshape(-1).narrow(0, 0, Tokenizer.VocabSize).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        return sampling.IsGreedy ? TokenDistribution.ArgMax(values) : TokenDistribution.Sample(TokenDistribution.Probabilities(values, sampling), random);
    }
}
