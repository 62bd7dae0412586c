using LinearDsl.Runtime.Mixers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// An encoder-decoder (T5/BART-style): a shared token embedding (embed_tokens) and optional learned positions
/// (embed_positions, each stack counting from position 0), the encoder stack (encoder.*), and a causal decoder stack
/// (decoder.layers.{i}, decoder.norm) whose blocks read the encoder's output through cross-attention
/// (decoder.layers.{i}.cross_attn) after their self-attention, and the output head (lm_head, or the embedding when
/// tied). <see cref="Encode"/> runs the encoder once per source; the decoder's forms agree to floating-point error:
/// <see cref="Forward"/> (teacher forcing, autograd), <see cref="Prefill"/>, <see cref="Step"/> and
/// <see cref="Verify"/> + <see cref="Commit"/> (rows may accept different counts). Built by
/// <see cref="ModelFactory.CreateSeq2Seq"/>; tokens are int64 [batch, time].
/// </summary>
public sealed class Seq2SeqModel : nn.Module
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Embedding embed_tokens;
    readonly Embedding? embed_positions;
    readonly EncoderStack encoder;
    readonly Seq2SeqDecoderStack decoder;
    readonly Linear? lm_head;
#pragma warning restore IDE1006
    readonly Seq2SeqDecoderBlock[] _layers;
    readonly IDisposable[] _ownedResources;

    internal Seq2SeqModel(ModelConfig config, IReadOnlyList<DecoderBlock> encoderBlocks, IReadOnlyList<Seq2SeqDecoderBlock> decoderBlocks,
        IEnumerable<IDisposable> ownedResources) : base(nameof(Seq2SeqModel))
    {
        Config = config;
        _ownedResources = ownedResources.ToArray();
        _layers = decoderBlocks.ToArray();
        embed_tokens = nn.Embedding(config.VocabSize, config.Width);
        embed_positions = config.Positions == PositionKind.Learned ? nn.Embedding(config.ContextLength, config.Width) : null;
        encoder = new EncoderStack(encoderBlocks, Norm.Create(config.Norm, config.Width, config.NormEps));
        decoder = new Seq2SeqDecoderStack(_layers, Norm.Create(config.Norm, config.Width, config.NormEps));
        lm_head = config.TieEmbeddings ? null : nn.Linear(config.Width, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The config the model was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Number of token ids.</summary>
    public int VocabSize => Config.VocabSize;

    /// <summary>Number of encoder blocks.</summary>
    public int EncoderLayerCount => encoder.Count;

    /// <summary>Number of decoder blocks.</summary>
    public int DecoderLayerCount => _layers.Length;

    /// <summary>Element type of the parameters (and so of activations, memories and decoding states).</summary>
    public ScalarType ParameterDtype
    {
        get
        {
            using var weight = embed_tokens.weight!;
            return weight.dtype;
        }
    }

    /// <summary>
    /// Runs the encoder over <paramref name="source"/> [batch, source time] once and keeps what every decoder layer's
    /// cross-attention reads (no autograd). A row shorter than the batch (<paramref name="lengths"/>, int64 [batch]) is
    /// encoded on its own, so its padding reaches no encoder mixer, and its padding is masked out of cross-attention.
    /// </summary>
    public EncoderMemory Encode(Tensor source, Tensor? lengths = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (layers, rows) = EncodeLayers(source, lengths, nameof(Encode));
        foreach (var layer in layers)
        {
            // The memory owns its tensors (as a decoding state does): no caller's dispose scope may free them.
            foreach (var tensor in new[] { layer.Keys, layer.Values, layer.Padding, layer.Sums }) tensor?.DetachFromDisposeScope();
        }
        return new EncoderMemory(this, layers, rows);
    }

    /// <summary>
    /// Teacher-forced logits [batch, target time, vocab]: the decoder reads <paramref name="target"/> (which starts
    /// with the decoder start token) and the encoding of <paramref name="source"/>. Autograd flows through both stacks.
    /// </summary>
    public Tensor Forward(Tensor source, Tensor target, Tensor? sourceLengths = null)
    {
        long time = ModelInputs.CheckTokens(target, Config, nameof(Forward), nameof(target));
        ArgumentNullException.ThrowIfNull(source);
        if (source.dim() == 2 && target.shape[0] != source.shape[0])
            throw new ArgumentException($"{nameof(Forward)}: target has batch {target.shape[0]} but source has batch {source.shape[0]}; pass one target row per source row.", nameof(target));
        using var scope = NewDisposeScope();
        var (memory, _) = EncodeLayers(source, sourceLengths, nameof(Forward));
        var x = Embed(target, null, time);
        for (int i = 0; i < _layers.Length; i++) x = _layers[i].Forward(x, memory[i]);
        return Head(decoder.norm.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>A new decoding state for the rows of <paramref name="memory"/>, each at decoder position 0.</summary>
    public Seq2SeqState CreateState(EncoderMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        memory.ThrowIfDisposed();
        if (!ReferenceEquals(memory.Owner, this)) throw new ArgumentException("This memory was encoded by a different model; encode the source with this model's Encode.", nameof(memory));
        var dtype = ParameterDtype;
        using var weight = embed_tokens.weight!;
        var device = weight.device;
        var states = new List<MixerState>(_layers.Length);
        try
        {
            for (int i = 0; i < _layers.Length; i++) states.Add(_layers[i].Attention.CreateState(memory.Batch, dtype, device));
        }
        catch
        {
            foreach (var state in states) state.Dispose();
            throw;
        }
        return new Seq2SeqState(this, memory, states.ToArray());
    }

    /// <summary>Feeds a block of target tokens [batch, time] to every row, advances each row by time, and returns its logits.</summary>
    public Tensor Prefill(Tensor tokens, Seq2SeqState state) => Advance(tokens, state, nameof(Prefill), (layer, x, mixer, memory) => layer.Prefill(x, mixer, memory));

    /// <summary>One target token per row, [batch, 1]; advances every row by one and returns logits [batch, 1, vocab].</summary>
    public Tensor Step(Tensor tokens, Seq2SeqState state)
    {
        if (tokens is not null && tokens.dim() == 2 && tokens.shape[1] != 1)
            throw new ArgumentException($"Step takes exactly one token per row, got {tokens.shape[1]}; use Prefill or Verify for blocks.", nameof(tokens));
        return Advance(tokens!, state, nameof(Step), (layer, x, mixer, memory) => layer.Step(x, mixer, memory));
    }

    /// <summary>Logits [batch, m, vocab] after each of m candidate tokens per row; the state is read, never written.</summary>
    public Seq2SeqVerifyResult Verify(Tensor tokens, Seq2SeqState state)
    {
        long m = CheckInputs(tokens, state, nameof(Verify));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var memory = state.Memory.Layers;
        var x = Embed(tokens, state.Positions, m);
        var pending = new List<PendingCommit>(_layers.Length);
        try
        {
            for (int i = 0; i < _layers.Length; i++)
            {
                var result = _layers[i].Verify(x, state.Layers[i], memory[i]);
                pending.Add(result.Pending);
                x = result.Output;
            }
            var logits = Head(decoder.norm.forward(x)).MoveToOuterDisposeScope();
            return new Seq2SeqVerifyResult(logits, new Seq2SeqPending(state, m, pending.ToArray()));
        }
        catch
        {
            foreach (var record in pending) record.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the first <paramref name="accepted"/>[b] verified candidates of row b (rows may differ).</summary>
    public void Commit(Seq2SeqState state, Seq2SeqPending pending, ReadOnlySpan<long> accepted)
    {
        CheckState(state);
        ArgumentNullException.ThrowIfNull(pending);
        CommitChecks.Check(ReferenceEquals(pending.State, state), pending.Version, state.Version, pending.Candidates, state.Batch, accepted);
        var layers = pending.Layers;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        try
        {
            for (int i = 0; i < _layers.Length; i++) _layers[i].Commit(state.Layers[i], layers[i], accepted);
        }
        catch (Exception error)
        {
            state.MarkBroken(nameof(Commit), error);
            throw;
        }
        state.Advance();
    }

    delegate Tensor LayerForm(Seq2SeqDecoderBlock layer, Tensor x, MixerState mixer, CrossAttentionMemory memory);

    Tensor Advance(Tensor tokens, Seq2SeqState state, string form, LayerForm run)
    {
        long time = CheckInputs(tokens, state, form);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var memory = state.Memory.Layers;
        var x = Embed(tokens, state.Positions, time);
        try
        {
            for (int i = 0; i < _layers.Length; i++) x = run(_layers[i], x, state.Layers[i], memory[i]);
        }
        catch (Exception error)
        {
            state.MarkBroken(form, error);
            throw;
        }
        state.Advance();
        return Head(decoder.norm.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder's hidden states and each decoder layer's memory of them, in the caller's dispose scope.</summary>
    (CrossAttentionMemory[] Layers, long[] Rows) EncodeLayers(Tensor source, Tensor? lengths, string form)
    {
        long time = ModelInputs.CheckTokens(source, Config, form, nameof(source));
        long batch = source.shape[0];
        long[] rows = ModelInputs.Lengths(lengths, batch, time, form);
        Tensor hidden;
        Tensor? padding = null;
        if (rows.All(length => length == time))
        {
            hidden = EncodeHidden(source);
        }
        else
        {
            // Each shorter row alone, zero-padded after: its padding never enters an encoder mixer.
            var parts = new Tensor[batch];
            for (long b = 0; b < batch; b++)
            {
                var row = EncodeHidden(source.narrow(0, b, 1).narrow(1, 0, rows[b]));
                parts[b] = rows[b] == time ? row : nn.functional.pad(row, [0, 0, 0, time - rows[b]]);
            }
            hidden = cat(parts, 0);
            padding = arange(time, ScalarType.Int64, source.device).unsqueeze(0).ge(tensor(rows, device: source.device).unsqueeze(1));
        }
        return (_layers.Select(layer => layer.Cross.Remember(hidden, padding)).ToArray(), rows);
    }

    Tensor EncodeHidden(Tensor source) => encoder.forward(Embed(source, null, source.shape[1]));

    /// <summary>Token embeddings plus, with a learned table, the embedding of each row's positions.</summary>
    Tensor Embed(Tensor tokens, IReadOnlyList<long>? starts, long time)
    {
        var x = embed_tokens.forward(tokens);
        if (embed_positions is null) return x;
        Tensor index;
        if (starts is null) index = arange(time, ScalarType.Int64, tokens.device);
        else
        {
            var positions = new long[starts.Count * time];
            for (int b = 0; b < starts.Count; b++)
                for (long t = 0; t < time; t++) positions[b * time + t] = starts[b] + t;
            index = tensor(positions, [starts.Count, time], device: tokens.device);
        }
        return x.add(embed_positions.forward(index));
    }

    /// <summary>The output head on final hidden states: lm_head, or the token embedding when tied.</summary>
    Tensor Head(Tensor normed)
    {
        if (lm_head is not null) return lm_head.call(normed);
        using var embedding = embed_tokens.weight!;
        return nn.functional.linear(normed, embedding);
    }

    void CheckState(Seq2SeqState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ThrowIfUnusable();
        if (!ReferenceEquals(state.Owner, this))
            throw new ArgumentException("This state belongs to a different model; create it with this model's CreateState.", nameof(state));
    }

    long CheckInputs(Tensor tokens, Seq2SeqState state, string form)
    {
        CheckState(state);
        long time = ModelInputs.CheckTokens(tokens, Config, form);
        if (tokens.shape[0] != state.Batch)
            throw new ArgumentException($"{form}: tokens have batch {tokens.shape[0]} but the state was created for batch {state.Batch}.", nameof(tokens));
        if (Config.Positions == PositionKind.Learned)
        {
            for (int b = 0; b < state.Batch; b++)
            {
                if (state.Positions[b] + time > Config.ContextLength)
                    throw new ArgumentException($"{form}: row {b} at position {state.Positions[b]} would pass the learned position table of {Config.ContextLength} positions (context_length) with {time} more tokens.", nameof(tokens));
            }
        }
        return time;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var resource in _ownedResources) resource.Dispose();
    }
}

/// <summary>The decoder stack of a <see cref="Seq2SeqModel"/> (state-dict prefix "decoder."): it only holds the parts.</summary>
internal sealed class Seq2SeqDecoderStack : nn.Module
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    internal readonly ModuleList<Seq2SeqDecoderBlock> layers;
    internal readonly Norm norm;
#pragma warning restore IDE1006

    public Seq2SeqDecoderStack(Seq2SeqDecoderBlock[] blocks, Norm finalNorm) : base("decoder")
    {
        layers = nn.ModuleList(blocks);
        norm = finalNorm;
        RegisterComponents();
    }
}
