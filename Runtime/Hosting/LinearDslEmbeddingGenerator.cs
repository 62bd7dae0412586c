using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.AI;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over an <see cref="EncoderModel"/>: each text is tokenized
/// with the model's tokenizer and pooled by <see cref="EncoderModel.Embed"/> (mean over its tokens, or its first token,
/// as the model's config says).
/// </summary>
/// <remarks>
/// Each text runs alone (batch of one): the encoder's attention is bidirectional and has no padding mask, so padding a
/// shorter text to a longer one would change its embedding. Requests on the same model run one after the other (as in
/// <see cref="TextGenerator"/>). The generator owns nothing: disposing it leaves the model alone.
/// </remarks>
public sealed class LinearDslEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    readonly EncoderModel _model;
    readonly EmbeddingGeneratorMetadata _metadata;
    readonly int _contextLength;

    /// <summary>A generator over <paramref name="model"/> that tokenizes with <paramref name="tokenizer"/> and reports <paramref name="modelId"/>.</summary>
    /// <exception cref="ArgumentException">The model carries no config, or the tokenizer has more ids than the model.</exception>
    public LinearDslEmbeddingGenerator(EncoderModel model, ITextTokenizer tokenizer, string modelId = "lineardsl")
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var config = model.Config ?? throw new ArgumentException("The encoder carries no ModelConfig; build it with ModelFactory.CreateEncoder or Checkpoint.LoadEncoder.", nameof(model));
        if (tokenizer.VocabSize > config.VocabSize)
            throw new ArgumentException($"The tokenizer '{tokenizer.Name}' has {tokenizer.VocabSize} token ids but the encoder's vocabulary has only {config.VocabSize}; use the tokenizer the model was trained with.", nameof(tokenizer));
        _contextLength = config.ContextLength;
        Dimensions = config.Width;
        _metadata = new EmbeddingGeneratorMetadata(LinearDslChatClient.ProviderName, providerUri: null, defaultModelId: modelId, defaultModelDimensions: config.Width);
    }

    /// <summary>The tokenizer that turns texts into tokens.</summary>
    public ITextTokenizer Tokenizer { get; }

    /// <summary>Length of every embedding: the encoder's width.</summary>
    public int Dimensions { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A text is empty, or <see cref="EmbeddingGenerationOptions.Dimensions"/> asks for another length.</exception>
    /// <exception cref="PromptTooLongException">A text has more tokens than the encoder's context length (nothing is computed).</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int asked && asked != Dimensions)
            throw new ArgumentException($"This encoder's embeddings have {Dimensions} dimensions; {asked} were asked for. Leave Dimensions unset.", nameof(options));
        // Every text is checked before the model runs, so a bad one in the middle leaves nothing half done.
        var tokenized = values.Select(Tokenize).ToList();
        var vectors = new List<float[]>(tokenized.Count);
        using (await ModelLocks.AcquireAsync([_model], cancellationToken))
        {
            foreach (var tokens in tokenized)
            {
                cancellationToken.ThrowIfCancellationRequested();
                vectors.Add(Embed(tokens));
            }
        }
        var created = DateTimeOffset.UtcNow;
        var embeddings = vectors.Select(v => new Embedding<float>(v) { ModelId = _metadata.DefaultModelId, CreatedAt = created });
        return new GeneratedEmbeddings<Embedding<float>>(embeddings)
        {
            Usage = new UsageDetails { InputTokenCount = tokenized.Sum(t => (long)t.Length), TotalTokenCount = tokenized.Sum(t => (long)t.Length) },
        };
    }

    /// <summary>The pooled embedding of one tokenized text, as float32.</summary>
    float[] Embed(long[] tokens)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(tokens, [1, tokens.Length]);
        return _model.Embed(input)[0].to_type(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    long[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long[] tokens = Tokenizer.Encode(text);
        if (tokens.Length == 0) throw new ArgumentException("A text to embed is empty; give at least one character.", nameof(text));
        if (tokens.Length > _contextLength) throw new PromptTooLongException(tokens.Length, _contextLength);
        return tokens;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        if (serviceType == typeof(EncoderModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Does nothing: the model belongs to whoever created it (the container, when registered by AddLinearDsl).</summary>
    public void Dispose()
    {
    }
}
