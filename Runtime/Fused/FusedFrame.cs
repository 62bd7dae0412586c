using System.ComponentModel;
using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// What a <see cref="FusedDecodeProgram"/> works on during one call: <see cref="Rows"/> tokens (a step: one per
/// row of the batch; a verification: m candidates per row, row after row), scratch buffers, the model's parameters
/// and mixer states as CPU memory, and the logits it writes. The operations act on all rows; sizes follow from the
/// spans they are given. In a verification the mixers verify (the state is read, never written) and leave the
/// records that Commit takes; in a tree verification each row's tokens are its candidate tree (slot j at the row's
/// position plus its depth, seeing only its ancestors) and the records are the ones CommitPath takes.
/// </summary>
/// <remarks>Infrastructure for the code the source generator writes: public because generated code in your assembly calls it, not a stable API to program against.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FusedFrame<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly CausalLanguageModel _model;
    readonly ModelState _state;
    readonly long[] _tokens;
    readonly long _time;
    readonly bool _verify;
    readonly Tensor _logits;
    readonly Tensor? _hidden;
    readonly List<PendingCommit> _pending = [];
    readonly List<T[]> _rented = [];
    readonly List<IDisposable> _handles = [];
    readonly Int8Weights? _int8;
    readonly TreeLayout? _tree;

    internal FusedFrame(CausalLanguageModel model, ModelState state, Tensor tokens, Tensor logits, bool verify, Tensor? hidden = null, TreeLayout? tree = null)
    {
        _tree = tree;
        _model = model;
        _state = state;
        _logits = logits;
        _hidden = hidden;
        _verify = verify;
        _time = tokens.shape[1];
        using var flat = tokens.reshape(-1);
        _tokens = flat.data<long>().ToArray();
        Rows = _tokens.Length;
        _int8 = model.Int8Weights;
        _int8?.Bind(model);
    }

    /// <summary>Tokens in this call: batch x time, row after row.</summary>
    public int Rows { get; }

    /// <summary>The logits [rows, vocab] the program writes last.</summary>
    public Span<T> Logits => Data(_logits);

    /// <summary>A zeroed scratch buffer of <paramref name="width"/> values per row, returned to the pool with the frame.</summary>
    public Span<T> Buffer(int width)
    {
        int length = Rows * width;
        var array = ArrayPool<T>.Shared.Rent(length);
        _rented.Add(array);
        var span = array.AsSpan(0, length);
        span.Clear();
        return span;
    }

    /// <summary>x = the token embedding of each row's token.</summary>
    public void Embed(Span<T> x)
    {
        var table = Weight(_model.TokenEmbedding);
        int width = _model.Width;
        for (int r = 0; r < Rows; r++) table.Slice(checked((int)_tokens[r] * width), width).CopyTo(x.Slice(r * width, width));
    }

    /// <summary>x += the learned embedding of each row's absolute position.</summary>
    public void AddPositions(Span<T> x)
    {
        var table = Weight(_model.PositionEmbedding ?? throw new InvalidOperationException("The model has no learned position table."));
        int width = _model.Width;
        var positions = _state.Positions;
        for (int r = 0; r < Rows; r++)
        {
            var row = x.Slice(r * width, width);
            int b = (int)(r / _time), j = (int)(r % _time);
            long absolute = positions[b] + (_tree is null ? j : _tree.Depth(b, j));
            var position = table.Slice(checked((int)absolute * width), width);
            for (int i = 0; i < width; i++) row[i] += position[i];
        }
    }

    /// <summary>y = RMSNorm(x) with <paramref name="weight"/>.</summary>
    public void RmsNorm(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, double eps, Span<T> y) => FusedMath.RmsNorm(Rows, x, weight, T.CreateChecked(eps), y);

    /// <summary>y = LayerNorm(x) with <paramref name="weight"/> and <paramref name="bias"/>.</summary>
    public void LayerNorm(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, double eps, Span<T> y)
        => FusedMath.LayerNorm(Rows, x, weight, bias, T.CreateChecked(eps), y);

    /// <summary>y = x W^T.</summary>
    public void Linear(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, Span<T> y) => Project(x, weight, default, y, accumulate: false);

    /// <summary>y = x W^T + bias.</summary>
    public void Linear(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y) => Project(x, weight, bias, y, accumulate: false);

    /// <summary>y += x W^T (a projection that lands on the residual stream).</summary>
    public void LinearAdd(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, Span<T> y) => Project(x, weight, default, y, accumulate: true);

    /// <summary>y += x W^T + bias.</summary>
    public void LinearAdd(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y) => Project(x, weight, bias, y, accumulate: true);

    /// <summary>A projection by the int8 kernels when the model has int8 weights for it, else by the float ones.</summary>
    void Project(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, bool accumulate)
    {
        // Every program ends with the output head writing the logits from the final normed rows: that input is the
        // hidden state Medusa heads read, kept here so that no generated program has to change.
        if (_hidden is not null && ((ReadOnlySpan<T>)y).Overlaps(Logits)) x.CopyTo(Data(_hidden));
        if (_int8?.Find(weight) is { } quantized) ParallelLinear.Linear(Rows, x, quantized, bias, y, accumulate);
        else ParallelLinear.Linear(Rows, x, weight, bias, y, accumulate);
    }

    /// <summary>gate = silu(gate) * up.</summary>
    public void SwiGlu(Span<T> gate, ReadOnlySpan<T> up) => FusedMath.SwiGlu(gate, up);

    /// <summary>x = gelu(x), tanh approximation.</summary>
    public void Gelu(Span<T> x) => FusedMath.GeluTanh(x);

    /// <summary>
    /// Augmented linear attention of layer <paramref name="layer"/> by the managed kernels, reading the fused
    /// projection rows in place: a step advances the layer's positions; a verification reads the state and keeps
    /// the candidates' keys and values for Commit.
    /// </summary>
    public void AugmentedMix(int layer, ReadOnlySpan<T> qkv, Span<T> output)
    {
        var mixer = (AugmentedLinearAttention)Block(layer).Attention.Mixer;
        var state = _state.Layers[layer];
        if (!_verify)
        {
            if (!mixer.TryStepRows(state, qkv, output)) Mix(layer, qkv, output);
            return;
        }
        if (mixer.TryVerifyRows(state, (int)_time, qkv, output, _tree) is { } pending) _pending.Add(pending);
        else Mix(layer, qkv, output);
    }

    /// <summary>
    /// Layer <paramref name="layer"/>'s mixer: softmax attention over the KV cache by its managed kernel
    /// (<see cref="SoftmaxDecodeKernel"/>, reading the projection rows in place), any other mixer through its tensor
    /// form (its own fused kernels included). A step advances the layer's positions; a verification reads the state
    /// and keeps the record for Commit.
    /// </summary>
    public void Mix(int layer, ReadOnlySpan<T> qkv, Span<T> output)
    {
        var attention = Block(layer).Attention;
        var state = _state.Layers[layer];
        if (attention.Mixer is SoftmaxAttention softmax)
        {
            if (!_verify)
            {
                if (softmax.TryStepRows(state, qkv, output)) return;
            }
            else if (softmax.TryVerifyRows(state, (int)_time, qkv, output, _tree) is { } pending)
            {
                _pending.Add(pending);
                return;
            }
        }
        using var scope = NewDisposeScope();
        var projected = empty([_state.Batch, _time, qkv.Length / Rows], _state.Dtype, _state.Device);
        qkv.CopyTo(Data(projected));
        var (q, k, v) = attention.Split(projected);
        Tensor mixed;
        if (_verify)
        {
            // Every other mixer verifies trees by its own tree form (native or the generic chain cover).
            var result = _tree is null ? attention.Mixer.Verify(q, k, v, state) : attention.Mixer.VerifyLaidOutTree(q, k, v, state, _tree);
            _pending.Add(result.Pending);
            mixed = result.Output;
        }
        else
        {
            mixed = attention.Mixer.Step(q, k, v, state);
        }
        // [batch, heads, time, d] to rows of heads side by side.
        Data(_time == 1 ? mixed.contiguous() : mixed.transpose(1, 2).contiguous()).CopyTo(output);
    }

    /// <summary>The verification records of every layer, in order (the caller owns them).</summary>
    internal PendingCommit[] TakePending()
    {
        var pending = _pending.ToArray();
        _pending.Clear();
        return pending;
    }

    /// <summary>Weight of layer <paramref name="layer"/>'s norm before attention.</summary>
    public ReadOnlySpan<T> InputNorm(int layer) => NormWeight(Block(layer).InputNorm);

    /// <summary>Bias of layer <paramref name="layer"/>'s LayerNorm before attention.</summary>
    public ReadOnlySpan<T> InputNormBias(int layer) => NormBias(Block(layer).InputNorm);

    /// <summary>Weight of layer <paramref name="layer"/>'s norm before the MLP.</summary>
    public ReadOnlySpan<T> PostAttentionNorm(int layer) => NormWeight(Block(layer).PostAttentionNorm);

    /// <summary>Bias of layer <paramref name="layer"/>'s LayerNorm before the MLP.</summary>
    public ReadOnlySpan<T> PostAttentionNormBias(int layer) => NormBias(Block(layer).PostAttentionNorm);

    /// <summary>Weight of the final norm.</summary>
    public ReadOnlySpan<T> FinalNorm() => NormWeight(_model.FinalNorm);

    /// <summary>Bias of the final LayerNorm.</summary>
    public ReadOnlySpan<T> FinalNormBias() => NormBias(_model.FinalNorm);

    /// <summary>Fused q/k/v projection weight of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> QkvWeight(int layer) => Data(Block(layer).Attention.QkvProjection.weight!);

    /// <summary>Fused q/k/v projection bias of layer <paramref name="layer"/> (GPT-2 layout).</summary>
    public ReadOnlySpan<T> QkvBias(int layer) => Data(Block(layer).Attention.QkvProjection.bias!);

    /// <summary>Attention output projection weight of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> OutputWeight(int layer) => Data(Block(layer).Attention.OutputProjection.weight!);

    /// <summary>Attention output projection bias of layer <paramref name="layer"/> (GPT-2 layout).</summary>
    public ReadOnlySpan<T> OutputBias(int layer) => Data(Block(layer).Attention.OutputProjection.bias!);

    /// <summary>SwiGLU gate projection weight of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> GateWeight(int layer) => Data(SwiGlu(layer).GateProjection.weight!);

    /// <summary>SwiGLU up projection weight of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> UpWeight(int layer) => Data(SwiGlu(layer).UpProjection.weight!);

    /// <summary>SwiGLU down projection weight of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> DownWeight(int layer) => Data(SwiGlu(layer).DownProjection.weight!);

    /// <summary>GELU MLP input projection weight of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> FcWeight(int layer) => Data(Gelu(layer).InputProjection.weight!);

    /// <summary>GELU MLP input projection bias of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> FcBias(int layer) => Data(Gelu(layer).InputProjection.bias!);

    /// <summary>GELU MLP output projection weight of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> ProjWeight(int layer) => Data(Gelu(layer).OutputProjection.weight!);

    /// <summary>GELU MLP output projection bias of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<T> ProjBias(int layer) => Data(Gelu(layer).OutputProjection.bias!);

    /// <summary>The output head's weight [vocab, width]: lm_head, or the token embedding when tied.</summary>
    public ReadOnlySpan<T> OutputHead() => _model.OutputHead is { } head ? Data(head.weight!) : Weight(_model.TokenEmbedding);

    /// <summary>Returns the scratch buffers to the pool (and disposes verification records nobody took).</summary>
    public void Dispose()
    {
        foreach (var record in _pending) record.Dispose();
        _pending.Clear();
        foreach (var array in _rented) ArrayPool<T>.Shared.Return(array);
        _rented.Clear();
        foreach (var handle in _handles) handle.Dispose();
        _handles.Clear();
    }

    DecoderBlock Block(int layer) => _model.Layers[layer];

    SwiGluMlp SwiGlu(int layer) => (SwiGluMlp)Block(layer).Mlp;

    GeluMlp Gelu(int layer) => (GeluMlp)Block(layer).Mlp;

    static ReadOnlySpan<T> NormWeight(Norm norm) => norm switch
    {
        Modeling.RmsNorm rms => Data(rms.Weight),
        Modeling.LayerNorm layer => Data(layer.Weight),
        _ => throw new NotSupportedException($"A fused step has no rule for {norm.GetType().Name}."),
    };

    static ReadOnlySpan<T> NormBias(Norm norm)
        => norm is Modeling.LayerNorm layer ? Data(layer.Bias) : throw new NotSupportedException($"{norm.GetType().Name} has no bias.");

    /// <summary>An embedding table's memory; TorchSharp hands out a new wrapper per access, freed with the frame.</summary>
    ReadOnlySpan<T> Weight(Embedding embedding)
    {
        var weight = embedding.weight!;
        _handles.Add(weight);
        return Data(weight);
    }

    static Span<T> Data(Tensor t) => TensorMemory.Span<T>(t);
}
