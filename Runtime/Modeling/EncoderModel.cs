using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// An encoder (BERT-style): token embedding (embed_tokens), optional learned positions (embed_positions), the
/// encoder stack (encoder.layers.{i}, encoder.norm) whose mixers run their parallel forms (bidirectional where their
/// settings are: softmax or linear Bidirectional, augmented linear's centred conv, unmasked local block or inclusive
/// global prefix; every other kind runs causally), a masked-LM head (mlm_head, or the token embedding when tied) and
/// a pooled embedding. Built by <see cref="ModelFactory.CreateEncoder"/>; tokens are int64 [batch, time].
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "TorchSharp's module contract names the parallel form forward; Forward is the documented one and calls it.")]
public sealed class EncoderModel : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Embedding embed_tokens;
    readonly Embedding? embed_positions;
    readonly EncoderStack encoder;
    readonly Linear? mlm_head;
#pragma warning restore IDE1006
    readonly IDisposable[] _ownedResources;

    internal EncoderModel(ModelConfig config, IReadOnlyList<DecoderBlock> blocks, IEnumerable<IDisposable> ownedResources) : base(nameof(EncoderModel))
    {
        Config = config;
        _ownedResources = ownedResources.ToArray();
        embed_tokens = nn.Embedding(config.VocabSize, config.Width);
        embed_positions = config.Positions == PositionKind.Learned ? nn.Embedding(config.ContextLength, config.Width) : null;
        encoder = new EncoderStack(blocks, Norm.Create(config.Norm, config.Width, config.NormEps));
        mlm_head = config.TieEmbeddings ? null : nn.Linear(config.Width, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The config the model was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Number of encoder blocks.</summary>
    public int LayerCount => encoder.Count;

    /// <summary>Hidden states [batch, time, width] after the final norm, for tokens [batch, time] (autograd works).</summary>
    public Tensor Forward(Tensor tokens) => call(tokens);

    /// <inheritdoc cref="Forward"/>
    public override Tensor forward(Tensor tokens)
    {
        long time = ModelInputs.CheckTokens(tokens, Config, nameof(Forward));
        using var scope = NewDisposeScope();
        var x = embed_tokens.forward(tokens);
        if (embed_positions is not null) x = x.add(embed_positions.forward(arange(time, ScalarType.Int64, tokens.device)));
        return encoder.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Masked-LM logits [batch, time, vocab]: the head on <see cref="Forward"/>'s hidden states.</summary>
    public Tensor MaskedLogits(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        return Head(Forward(tokens)).MoveToOuterDisposeScope();
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

    /// <summary>The masked-LM head on hidden states: mlm_head, or the token embedding when tied.</summary>
    Tensor Head(Tensor hidden)
    {
        if (mlm_head is not null) return mlm_head.call(hidden);
        using var embedding = embed_tokens.weight!;
        return nn.functional.linear(hidden, embedding);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var resource in _ownedResources) resource.Dispose();
    }
}
