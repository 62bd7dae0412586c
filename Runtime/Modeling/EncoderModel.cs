using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// An encoder (BERT-style): token embedding (embed_tokens), optional learned positions (embed_positions) and token
/// types (embed_token_types), the encoder stack (encoder.layers.{i}, encoder.norm) whose mixers run their parallel
/// forms (bidirectional where their settings are: softmax or linear Bidirectional, augmented linear's centred conv,
/// unmasked local block or inclusive global prefix; every other kind runs causally), a masked-LM head (mlm_head, or
/// the token embedding when tied; BERT's transform and bias when <see cref="ModelConfig.MlmHead"/> says so) and a
/// pooled embedding. With post-norm blocks (<see cref="NormPlacement.Post"/>) the summed embeddings pass through
/// embed_norm and the stack has no final norm, as in BERT. Built by <see cref="ModelFactory.CreateEncoder"/>; tokens
/// are int64 [batch, time].
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "TorchSharp's module contract names the parallel form forward; Forward is the documented one and calls it.")]
public sealed class EncoderModel : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Embedding embed_tokens;
    readonly Embedding? embed_positions;
    readonly Embedding? embed_token_types;
    readonly Norm? embed_norm;
    readonly EncoderStack encoder;
    readonly MlmTransform? mlm_transform;
    readonly Linear? mlm_head;
    readonly Parameter? mlm_bias;
#pragma warning restore IDE1006
    readonly IDisposable[] _ownedResources;

    internal EncoderModel(ModelConfig config, IReadOnlyList<nn.Module<Tensor, Tensor>> blocks, IEnumerable<IDisposable> ownedResources) : base(nameof(EncoderModel))
    {
        Config = config;
        _ownedResources = ownedResources.ToArray();
        bool post = config.NormPlacement == NormPlacement.Post;
        embed_tokens = nn.Embedding(config.VocabSize, config.Width);
        embed_positions = config.Positions == PositionKind.Learned ? nn.Embedding(config.ContextLength, config.Width) : null;
        embed_token_types = config.TokenTypes > 0 ? nn.Embedding(config.TokenTypes, config.Width) : null;
        embed_norm = post ? Norm.Create(config.Norm, config.Width, config.NormEps) : null;
        encoder = new EncoderStack(blocks, post ? null : Norm.Create(config.Norm, config.Width, config.NormEps));
        if (config.MlmHead == MlmHeadKind.Transform)
        {
            mlm_transform = new MlmTransform(config.Width, config.NormEps);
            mlm_bias = new Parameter(zeros(config.VocabSize));
        }
        mlm_head = config.TieEmbeddings || config.MlmHead == MlmHeadKind.None ? null : nn.Linear(config.Width, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The config the model was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Number of encoder blocks.</summary>
    public int LayerCount => encoder.Count;

    /// <summary>Hidden states [batch, time, width] after the final norm, for tokens [batch, time] (autograd works).</summary>
    public Tensor Forward(Tensor tokens) => call(tokens);

    /// <summary>
    /// Hidden states [batch, time, width] for tokens [batch, time] of the given token types (int64 [batch, time], each
    /// below <see cref="ModelConfig.TokenTypes"/>; null means type 0 everywhere).
    /// </summary>
    public Tensor Forward(Tensor tokens, Tensor? tokenTypes)
    {
        long time = ModelInputs.CheckTokens(tokens, Config, nameof(Forward));
        CheckTokenTypes(tokens, tokenTypes);
        using var scope = NewDisposeScope();
        var x = embed_tokens.forward(tokens);
        if (embed_positions is not null) x = x.add(embed_positions.forward(arange(time, ScalarType.Int64, tokens.device)));
        if (embed_token_types is not null)
        {
            x = tokenTypes is null
                ? x.add(embed_token_types.forward(zeros(1, ScalarType.Int64, tokens.device)))
                : x.add(embed_token_types.forward(tokenTypes));
        }
        if (embed_norm is not null) x = embed_norm.forward(x);
        return encoder.forward(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc cref="Forward(Tensor)"/>
    public override Tensor forward(Tensor tokens) => Forward(tokens, null);

    /// <summary>Masked-LM logits [batch, time, vocab]: the head on <see cref="Forward(Tensor, Tensor)"/>'s hidden states.</summary>
    /// <exception cref="InvalidOperationException">The encoder has no masked-LM head (<see cref="MlmHeadKind.None"/>).</exception>
    public Tensor MaskedLogits(Tensor tokens, Tensor? tokenTypes = null)
    {
        if (Config.MlmHead == MlmHeadKind.None)
            throw new InvalidOperationException("This encoder has no masked-LM head (config.json \"mlm_head\": \"none\", as a Hugging Face BertModel is saved); it embeds only. Load a checkpoint with a head (BertForMaskedLM) to predict masked tokens.");
        using var scope = NewDisposeScope();
        return Head(Forward(tokens, tokenTypes)).MoveToOuterDisposeScope();
    }

    void CheckTokenTypes(Tensor tokens, Tensor? tokenTypes)
    {
        if (tokenTypes is null) return;
        if (Config.TokenTypes == 0)
            throw new ArgumentException("This encoder has no token types (config.json token_types is 0); pass null.", nameof(tokenTypes));
        if (tokenTypes.dtype != ScalarType.Int64 || !tokenTypes.shape.SequenceEqual(tokens.shape))
            throw new ArgumentException($"Token types must be int64 with the tokens' shape [{string.Join(", ", tokens.shape)}], got {tokenTypes.dtype} [{string.Join(", ", tokenTypes.shape)}].", nameof(tokenTypes));
        if (tokenTypes.numel() > 0 && (tokenTypes.min().item<long>() < 0 || tokenTypes.max().item<long>() >= Config.TokenTypes))
            throw new ArgumentException($"Token types must lie in 0..{Config.TokenTypes - 1} (config.json token_types is {Config.TokenTypes}).", nameof(tokenTypes));
    }

    /// <summary>
    /// One embedding [batch, width] per row (<see cref="ModelConfig.Pooling"/>): the mean of the hidden states of the
    /// row's first lengths[b] tokens, or its first token's. A row shorter than the batch is encoded on its own, so its
    /// padding never reaches a mixer (a bidirectional one would read it) and the embedding is the unpadded row's.
    /// </summary>
    /// <param name="tokens">int64 [batch, time], each row's tokens first and padding (any ids) after.</param>
    /// <param name="lengths">int64 [batch], each row's length in 1..time; null when no row is padded.</param>
    public Tensor Embed(Tensor tokens, Tensor? lengths = null)
    {
        long time = ModelInputs.CheckTokens(tokens, Config, nameof(Embed));
        long batch = tokens.shape[0];
        long[] rows = ModelInputs.Lengths(lengths, batch, time, nameof(Embed));
        using var scope = NewDisposeScope();
        Tensor pooled;
        if (rows.All(length => length == time))
        {
            pooled = Pool(Forward(tokens));
        }
        else
        {
            var parts = new Tensor[batch];
            for (long b = 0; b < batch; b++) parts[b] = Pool(Forward(tokens.narrow(0, b, 1).narrow(1, 0, rows[b])));
            pooled = cat(parts, 0);
        }
        return pooled.MoveToOuterDisposeScope();
    }

    Tensor Pool(Tensor hidden) => Config.Pooling == Pooling.First ? hidden.select(1, 0) : hidden.mean([1]);

    /// <summary>The masked-LM head on hidden states: the transform when there is one, then mlm_head (or the tied token embedding) and the vocabulary bias.</summary>
    Tensor Head(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        if (mlm_transform is not null) hidden = mlm_transform.forward(hidden);
        Tensor logits;
        if (mlm_head is not null)
        {
            logits = mlm_head.call(hidden);
        }
        else
        {
            using var embedding = embed_tokens.weight!;
            logits = nn.functional.linear(hidden, embedding);
        }
        if (mlm_bias is not null) logits = logits.add(mlm_bias);
        return logits.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var resource in _ownedResources) resource.Dispose();
    }
}
