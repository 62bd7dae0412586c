using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// An <see cref="IChatClient"/> over an <see cref="ITextGenerator"/>: renders the conversation with
/// <see cref="ChatPromptTemplate"/>, generates the assistant's reply and reports usage and the finish reason.
/// </summary>
/// <remarks>
/// <para><see cref="ChatOptions"/> mapping: Temperature, TopP, TopK, MaxOutputTokens and StopSequences set the request's
/// values (unset ones take the configured defaults); Seed is folded into 32 bits (values within the int range are kept
/// as they are); Instructions become a leading system turn. Tools, penalties and response formats are not supported
/// and are ignored.</para>
/// <para>Usage: input tokens are the rendered prompt's tokens, output tokens every token the model generated.
/// FinishReason is <see cref="ChatFinishReason.Length"/> at the token limit, else <see cref="ChatFinishReason.Stop"/>
/// (end of text or a stop sequence). Requests on the same models run one after the other (see
/// <see cref="TextGenerator"/>). The client owns nothing: disposing it leaves the generator and the models alone.</para>
/// </remarks>
public sealed class LinearDslChatClient : IChatClient
{
    /// <summary>The provider name in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "LinearDsl";

    readonly ITextGenerator _generator;
    readonly ChatClientMetadata _metadata;

    /// <summary>A chat client over <paramref name="generator"/> that reports <paramref name="modelId"/>.</summary>
    public LinearDslChatClient(ITextGenerator generator, string modelId = "lineardsl")
    {
        _generator = generator ?? throw new ArgumentNullException(nameof(generator));
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        _metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: modelId);
    }

    /// <summary>The model name reported in responses.</summary>
    public string ModelId => _metadata.DefaultModelId!;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (prompt, request) = Map(messages, options);
        var result = await _generator.GenerateAsync(prompt, request, cancellationToken);
        string responseId = NewId();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text) { MessageId = responseId })
        {
            ResponseId = responseId,
            ModelId = ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = FinishReasonOf(result),
            Usage = UsageOf(result),
            RawRepresentation = result,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (prompt, request) = Map(messages, options);
        string responseId = NewId();
        var createdAt = DateTimeOffset.UtcNow;
        await foreach (var update in _generator.StreamAsync(prompt, request, cancellationToken))
        {
            var chunk = new ChatResponseUpdate(ChatRole.Assistant, update.Text.Length > 0 ? [new TextContent(update.Text)] : [])
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = ModelId,
                CreatedAt = createdAt,
            };
            if (update.Result is { } result)
            {
                chunk.FinishReason = FinishReasonOf(result);
                chunk.Contents.Add(new UsageContent(UsageOf(result)));
                chunk.RawRepresentation = result;
            }
            yield return chunk;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        if (serviceType.IsInstanceOfType(_generator)) return _generator;
        return null;
    }

    /// <summary>Nothing to free: the generator and the models belong to whoever created them (the container).</summary>
    public void Dispose()
    {
    }

    /// <summary>The prompt and generation request of a chat request.</summary>
    internal static (string Prompt, TextGenerationRequest Request) Map(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options is not null) Check(options);
        string prompt = ChatPromptTemplate.Render(messages, options?.Instructions);
        var request = new TextGenerationRequest
        {
            MaxNewTokens = options?.MaxOutputTokens,
            Temperature = options?.Temperature,
            TopK = options?.TopK,
            TopP = options?.TopP,
            Seed = options?.Seed is long seed ? FoldSeed(seed) : null,
            StopSequences = [.. ChatPromptTemplate.ReplyStopSequences, .. options?.StopSequences ?? []],
        };
        return (prompt, request);
    }

    /// <summary>Refuses a chat option out of range with an <see cref="ArgumentException"/> that names it (a server answers 400).</summary>
    static void Check(ChatOptions options)
    {
        if (options.MaxOutputTokens is int max && max < 1)
            throw new ArgumentException($"ChatOptions.MaxOutputTokens must be at least 1, got {max}.", nameof(options));
        if (options.Temperature is float temperature && (!(temperature >= 0) || float.IsInfinity(temperature)))
            throw new ArgumentException($"ChatOptions.Temperature must be finite and at least 0 (0 is greedy), got {temperature}.", nameof(options));
        if (options.TopK is int topK && topK < 0)
            throw new ArgumentException($"ChatOptions.TopK must be at least 0 (0 keeps every token), got {topK}.", nameof(options));
        if (options.TopP is float topP && !(topP > 0 && topP <= 1))
            throw new ArgumentException($"ChatOptions.TopP must be in (0, 1] (1 keeps every token), got {topP}.", nameof(options));
        if (options.StopSequences?.Any(string.IsNullOrEmpty) == true)
            throw new ArgumentException("ChatOptions.StopSequences must not contain empty entries.", nameof(options));
    }

    /// <summary>A 64-bit seed as the sampler's 32-bit seed: unchanged within the int range, else its two halves XORed.</summary>
    internal static int FoldSeed(long seed) => seed is >= int.MinValue and <= int.MaxValue ? (int)seed : unchecked((int)seed ^ (int)(seed >> 32));

    static ChatFinishReason FinishReasonOf(TextGenerationResult result)
        => result.FinishReason == Decoding.FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    static UsageDetails UsageOf(TextGenerationResult result) => new()
    {
        InputTokenCount = result.PromptTokenCount,
        OutputTokenCount = result.GeneratedTokenCount,
        TotalTokenCount = result.PromptTokenCount + result.GeneratedTokenCount,
    };

    static string NewId() => "lineardsl-" + Guid.NewGuid().ToString("N");
}
