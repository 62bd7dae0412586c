using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// A decoder-only causal language model: token embedding (model.embed_tokens), optional learned absolute positions
/// (model.embed_positions, indexed by each row's own absolute position), a stack of <see cref="DecoderBlock"/>s
/// whose mixers may differ per layer (hybrids), a final norm (model.norm) and the output head (lm_head, or the
/// token embedding when tied). Tokens are int64 [batch, time]. The forms agree to floating-point error:
/// <see cref="Forward"/> (parallel, autograd), <see cref="Prefill"/>, <see cref="Step"/> and
/// <see cref="Verify"/> + <see cref="Commit"/> (speculative decoding; rows may accept different counts).
/// The decoding forms run without autograd.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "TorchSharp's module contract names the parallel form forward; Forward is the documented one and calls it.")]
public sealed partial class CausalLanguageModel : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly DecoderStack model;
    readonly Linear? lm_head;
    readonly MedusaHeads? medusa;
#pragma warning restore IDE1006
    readonly DecoderBlock[] _layers;
    readonly IDisposable[] _ownedResources;
    FusedDecodeProgram? _decodeProgram;

    /// <summary>Assembles a model from its blocks.</summary>
    /// <param name="vocabSize">Number of token ids.</param>
    /// <param name="width">Width of the residual stream; every block and the final norm must have it.</param>
    /// <param name="layers">The decoder blocks, first to last (at least one).</param>
    /// <param name="finalNorm">Norm before the output head.</param>
    /// <param name="positionTableLength">Rows of a learned absolute position table (the context length), or null for none.</param>
    /// <param name="tieEmbeddings">Use the token embedding as the output head (no lm_head weight).</param>
    /// <param name="config">The config the model was built from, if any (written next to the weights by checkpoints).</param>
    /// <param name="ownedResources">Resources the model disposes with itself, such as shared rotary embeddings.</param>
    /// <param name="medusaHeads">Medusa heads of the model's width that read its final hidden state, or null for none.</param>
    public CausalLanguageModel(int vocabSize, int width, IReadOnlyList<DecoderBlock> layers, Norm finalNorm,
        int? positionTableLength = null, bool tieEmbeddings = false, ModelConfig? config = null, IEnumerable<IDisposable>? ownedResources = null,
        MedusaHeads? medusaHeads = null)
        : base(nameof(CausalLanguageModel))
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(finalNorm);
        if (vocabSize <= 0) throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, "The vocabulary must hold at least one token id.");
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The model width must be positive.");
        if (layers.Count == 0) throw new ArgumentException("A model needs at least one decoder block.", nameof(layers));
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is null) throw new ArgumentException($"Decoder block {i} is null.", nameof(layers));
            if (layers[i].Width != width) throw new ArgumentException($"Decoder block {i} has width {layers[i].Width}, but the model's width is {width}.", nameof(layers));
        }
        if (finalNorm.Width != width) throw new ArgumentException($"The final norm has width {finalNorm.Width}, but the model's width is {width}.", nameof(finalNorm));
        if (positionTableLength is <= 0) throw new ArgumentOutOfRangeException(nameof(positionTableLength), positionTableLength, "A learned position table needs at least one row.");
        if (medusaHeads is not null && medusaHeads.Width != width) throw new ArgumentException($"The Medusa heads have width {medusaHeads.Width}, but the model's width is {width}.", nameof(medusaHeads));

        VocabSize = vocabSize;
        Width = width;
        TiedEmbeddings = tieEmbeddings;
        Config = config;
        _layers = layers.ToArray();
        _ownedResources = ownedResources?.ToArray() ?? [];
        var positions = positionTableLength is int rows ? nn.Embedding(rows, width) : null;
        model = new DecoderStack(nn.Embedding(vocabSize, width), positions, _layers, finalNorm);
        lm_head = tieEmbeddings ? null : nn.Linear(width, vocabSize, hasBias: false);
        medusa = medusaHeads;
        RegisterComponents();
    }

    /// <summary>Number of token ids.</summary>
    public int VocabSize { get; }

    /// <summary>Width of the residual stream.</summary>
    public int Width { get; }

    /// <summary>True when the output head is the token embedding (no lm_head weight).</summary>
    public bool TiedEmbeddings { get; }

    /// <summary>Rows of the learned absolute position table, or null when the model has none.</summary>
    public long? PositionTableLength
    {
        get
        {
            if (model.embed_positions is null) return null;
            using var weight = model.embed_positions.weight!;
            return weight.shape[0];
        }
    }

    /// <summary>The config the model was built from, or null when it was assembled by hand.</summary>
    public ModelConfig? Config { get; }

    /// <summary>The straight-line decode step <see cref="Step"/> runs on the CPU (float32/float64), or null for the composed modules.</summary>
    public FusedDecodeProgram? DecodeProgram => _decodeProgram;

    /// <summary>
    /// Attaches the decode program generated for this model's architecture (the declared class's
    /// <c>DecodeProgram</c>), or detaches it with null. A program of another architecture is refused.
    /// </summary>
    public void UseDecodeProgram(FusedDecodeProgram? program)
    {
        if (program is not null && !program.Fits(Config))
            throw new ArgumentException(Config is null
                ? "A decode program runs only a model built from its config; this model was assembled by hand (no Config)."
                : "This decode program was generated for a different architecture than the model's config; use the program of the class that declares this model.", nameof(program));
        _decodeProgram = program;
    }

    /// <summary>The decoder blocks, first to last.</summary>
    public IReadOnlyList<DecoderBlock> Layers => _layers;

    /// <summary>The token embedding [vocab, width].</summary>
    public Embedding TokenEmbedding => model.embed_tokens;

    /// <summary>The learned absolute position table [positions, width], or null.</summary>
    public Embedding? PositionEmbedding => model.embed_positions;

    /// <summary>The final norm.</summary>
    public Norm FinalNorm => model.norm;

    /// <summary>The output head, or null when tied to the token embedding.</summary>
    public Linear? OutputHead => lm_head;

    /// <summary>Element type of the parameters (and so of activations and decoding states).</summary>
    public ScalarType ParameterDtype
    {
        get
        {
            // TorchSharp 0.107's Embedding.weight hands out a new wrapper (a native handle) on every access: free it at once.
            using var weight = model.embed_tokens.weight!;
            return weight.dtype;
        }
    }

    /// <summary>Device of the parameters.</summary>
    public Device ParameterDevice
    {
        get
        {
            using var weight = model.embed_tokens.weight!;
            return weight.device;
        }
    }

    /// <summary>Logits [batch, time, vocab] for tokens [batch, time] at positions 0..time-1 (parallel form, autograd works).</summary>
    public Tensor Forward(Tensor tokens) => call(tokens);

    /// <inheritdoc cref="Forward"/>
    public override Tensor forward(Tensor tokens)
    {
        long time = CheckTokens(tokens, nameof(Forward), state: null);
        CheckPositionTable(null, time, nameof(Forward));
        if (_int8 is not null) return Int8Forward(tokens);
        using var scope = NewDisposeScope();
        var x = Embed(tokens, starts: null, time);
        foreach (var layer in _layers) x = layer.forward(x);
        return Logits(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Longest block that <see cref="Prefill"/> feeds through the attached decode program (as a verification it
    /// commits whole) instead of the parallel form, whose large matrix products win on long blocks. On the bundled
    /// target with one libtorch thread (<c>lineardsl bench --prompt ...</c>, docs/models.md): 12 tokens 1.9 ms against
    /// 5.8 ms, 32 tokens 3.9 ms against 7.3 ms.
    /// </summary>
    public const int FusedPrefillLimit = 32;

    /// <summary>A new decoding state for <paramref name="batch"/> rows at position 0.</summary>
    /// <param name="batch">Rows (sequences decoded side by side).</param>
    /// <param name="dtype">Element type; defaults to the parameters' and must equal it.</param>
    /// <param name="device">Device; defaults to the parameters'.</param>
    /// <exception cref="NotSupportedException">A layer's mixer is deliberately non-causal (it has only the Forward form).</exception>
    public ModelState CreateState(long batch, ScalarType? dtype = null, Device? device = null)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A decoding state needs at least one row.");
        var parameterDtype = ParameterDtype;
        var type = dtype ?? parameterDtype;
        if (type != parameterDtype)
            throw new ArgumentException($"The model's parameters are {parameterDtype}, so its activations cannot fill a {type} state. Create the state in {parameterDtype}, or convert the model first with model.to(ScalarType.{type}).", nameof(dtype));
        var parameterDevice = ParameterDevice;
        var place = device ?? parameterDevice;
        // An index of -1 means "the current device of that type", so only two explicit indices can disagree.
        if (place.type != parameterDevice.type || (place.index >= 0 && parameterDevice.index >= 0 && place.index != parameterDevice.index))
            throw new ArgumentException($"The model's parameters are on {parameterDevice}, so its state must be too (got {place}); move the model first with model.to(device).", nameof(device));
        var states = new List<MixerState>(_layers.Length);
        try
        {
            for (int i = 0; i < _layers.Length; i++)
            {
                try
                {
                    states.Add(_layers[i].CreateState(batch, type, place));
                }
                catch (NotSupportedException error)
                {
                    throw new NotSupportedException($"Layer {i} cannot decode: {error.Message}", error);
                }
            }
        }
        catch
        {
            foreach (var state in states) state.Dispose();
            throw;
        }
        return new ModelState(this, states.ToArray(), type, place);
    }

    /// <summary>Feeds a block of tokens [batch, time] to every row, advances each row by time, and returns its logits.</summary>
    public Tensor Prefill(Tensor tokens, ModelState state) => PrefillCore(tokens, state, hidden: false).Logits;

    /// <summary><see cref="Prefill"/> that also returns the final hidden state [batch, time, width] (after the final norm), which Medusa heads read.</summary>
    public ModelStepResult PrefillWithHidden(Tensor tokens, ModelState state)
    {
        var (logits, hidden) = PrefillCore(tokens, state, hidden: true);
        return new ModelStepResult(logits, hidden!);
    }

    (Tensor Logits, Tensor? Hidden) PrefillCore(Tensor tokens, ModelState state, bool hidden)
    {
        CheckState(state);
        long time = CheckTokens(tokens, nameof(Prefill), state);
        CheckPositionTable(state, time, nameof(Prefill));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_int8 is not null) return MoveOut(Int8Prefill(tokens, state, hidden));
        // A short block (a chat turn, a prompt of a few words) runs several times faster as the generated verification
        // committed whole than through the parallel form's large operations; past the limit the parallel form wins.
        if (time <= FusedPrefillLimit && _decodeProgram?.TryVerify(this, tokens, state, hidden) is { } fused)
        {
            using (var pending = new ModelPending(state, time, fused.Pending))
                Commit(state, pending, Enumerable.Repeat(time, (int)state.Batch).ToArray());
            return MoveOut((fused.Logits, fused.Hidden));
        }
        var x = Embed(tokens, state.Positions, time);
        try
        {
            for (int i = 0; i < _layers.Length; i++) x = _layers[i].Prefill(x, state.Layers[i]);
        }
        catch (Exception error)
        {
            state.MarkBroken(nameof(Prefill), error);
            throw;
        }
        state.Advance();
        return MoveOut(Output(x, hidden));
    }

    /// <summary>One token per row, [batch, 1]; advances every row by one and returns logits [batch, 1, vocab].</summary>
    public Tensor Step(Tensor tokens, ModelState state) => StepCore(tokens, state, hidden: false).Logits;

    /// <summary><see cref="Step"/> that also returns the final hidden state [batch, 1, width] (after the final norm), which Medusa heads read.</summary>
    public ModelStepResult StepWithHidden(Tensor tokens, ModelState state)
    {
        var (logits, hidden) = StepCore(tokens, state, hidden: true);
        return new ModelStepResult(logits, hidden!);
    }

    (Tensor Logits, Tensor? Hidden) StepCore(Tensor tokens, ModelState state, bool hidden)
    {
        CheckState(state);
        long time = CheckTokens(tokens, nameof(Step), state);
        if (time != 1) throw new ArgumentException($"Step takes exactly one token per row, got {time}; use Prefill or Verify for blocks.", nameof(tokens));
        CheckPositionTable(state, 1, nameof(Step));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        (Tensor Logits, Tensor? Hidden) output;
        try
        {
            // The generated straight-line step when it serves this state, else the composed modules.
            if (_decodeProgram?.TryStep(this, tokens, state, hidden) is { } fused)
            {
                output = (fused.Logits, fused.Hidden);
            }
            else
            {
                if (_int8 is not null) throw Int8Unserved(state);
                var x = Embed(tokens, state.Positions, 1);
                for (int i = 0; i < _layers.Length; i++) x = _layers[i].Step(x, state.Layers[i]);
                output = Output(x, hidden);
            }
        }
        catch (Exception error)
        {
            state.MarkBroken(nameof(Step), error);
            throw;
        }
        state.Advance();
        return MoveOut(output);
    }

    /// <summary>
    /// Logits [batch, m, vocab] for m candidate tokens per row that follow each row's committed position. Reads the
    /// state and never writes it; pass the returned pending record to <see cref="Commit"/>, then dispose it. A model
    /// with Medusa heads also returns the final hidden state of every candidate (<see cref="ModelVerifyResult.Hidden"/>).
    /// </summary>
    public ModelVerifyResult Verify(Tensor tokens, ModelState state)
    {
        CheckState(state);
        long m = CheckTokens(tokens, nameof(Verify), state);
        CheckPositionTable(state, m, nameof(Verify));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // The generated straight-line verification when it serves this state, else the composed modules.
        bool hidden = medusa is not null;
        if (_decodeProgram?.TryVerify(this, tokens, state, hidden) is { } fused)
            return new ModelVerifyResult(fused.Logits.MoveToOuterDisposeScope(), new ModelPending(state, m, fused.Pending)) { Hidden = fused.Hidden?.MoveToOuterDisposeScope() };
        if (_int8 is not null) throw Int8Unserved(state);
        var x = Embed(tokens, state.Positions, m);
        var pending = new List<PendingCommit>(_layers.Length);
        try
        {
            for (int i = 0; i < _layers.Length; i++)
            {
                var result = _layers[i].Verify(x, state.Layers[i]);
                pending.Add(result.Pending);
                x = result.Output;
            }
            var (logits, states) = MoveOut(Output(x, hidden));
            return new ModelVerifyResult(logits, new ModelPending(state, m, pending.ToArray())) { Hidden = states };
        }
        catch
        {
            foreach (var record in pending) record.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the first <paramref name="accepted"/>[b] verified candidates of row b (rows may differ).</summary>
    public void Commit(ModelState state, ModelPending pending, ReadOnlySpan<long> accepted)
    {
        CheckState(state);
        CheckPending(state, pending, accepted);
        var layerPending = pending.Layers;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        try
        {
            for (int i = 0; i < _layers.Length; i++) _layers[i].Commit(state.Layers[i], layerPending[i], accepted);
        }
        catch (Exception error)
        {
            state.MarkBroken(nameof(Commit), error);
            throw;
        }
        state.Advance();
    }

    /// <summary>Token embeddings plus, with a learned table, the embedding of each row's absolute positions.</summary>
    Tensor Embed(Tensor tokens, IReadOnlyList<long>? starts, long time)
    {
        var x = model.embed_tokens.forward(tokens);
        var table = model.embed_positions;
        if (table is null) return x;
        return x.add(table.forward(PositionIndex(starts, time, tokens.device)));
    }

    /// <summary>[time] positions when every row starts at the same place (broadcast over the batch), else [batch, time].</summary>
    static Tensor PositionIndex(IReadOnlyList<long>? starts, long time, Device device)
    {
        if (starts is null) return arange(time, ScalarType.Int64, device);
        long first = starts[0];
        bool uniform = true;
        for (int b = 1; b < starts.Count; b++) uniform &= starts[b] == first;
        if (uniform) return arange(first, first + time, 1, ScalarType.Int64, device);
        var index = new long[starts.Count * time];
        for (int b = 0; b < starts.Count; b++)
            for (long t = 0; t < time; t++) index[b * time + t] = starts[b] + t;
        return tensor(index, [starts.Count, time], device: device);
    }

    Tensor Logits(Tensor x) => Output(x, hidden: false).Logits;

    /// <summary>Logits of the final norm of <paramref name="x"/>, and with <paramref name="hidden"/> that normed state too (no copy).</summary>
    (Tensor Logits, Tensor? Hidden) Output(Tensor x, bool hidden)
    {
        var normed = model.norm.forward(x);
        return (Head(normed), hidden ? normed : null);
    }

    /// <summary>The output head on final hidden states (after the final norm): lm_head, or the token embedding when tied.</summary>
    Tensor Head(Tensor normed)
    {
        if (lm_head is not null) return lm_head.call(normed); // call: a LoRA adapter may hook the head
        using var embedding = model.embed_tokens.weight!;
        return nn.functional.linear(normed, embedding);
    }

    static (Tensor Logits, Tensor? Hidden) MoveOut((Tensor Logits, Tensor? Hidden) output)
        => (output.Logits.MoveToOuterDisposeScope(), output.Hidden?.MoveToOuterDisposeScope());

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var resource in _ownedResources) resource.Dispose();
    }
}
