using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// What a <see cref="FusedDecodeProgram"/> works on during one step: the tokens of <see cref="Rows"/> rows,
/// scratch buffers (one row after another), the model's parameters and mixer states as CPU memory, and the logits
/// it writes. The operations act on all rows; sizes follow from the spans they are given.
/// </summary>
public sealed class FusedFrame<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly CausalLanguageModel _model;
    readonly ModelState _state;
    readonly long[] _tokens;
    readonly Tensor _logits;
    readonly List<T[]> _rented = [];
    readonly List<IDisposable> _handles = [];

    internal FusedFrame(CausalLanguageModel model, ModelState state, Tensor tokens, Tensor logits)
    {
        _model = model;
        _state = state;
        _logits = logits;
        using var flat = tokens.reshape(-1);
        _tokens = flat.data<long>().ToArray();
        Rows = _tokens.Length;
    }

    /// <summary>Tokens in this step (the batch: one per row).</summary>
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
            var position = table.Slice(checked((int)positions[r] * width), width);
            for (int i = 0; i < width; i++) row[i] += position[i];
        }
    }

    /// <summary>y = RMSNorm(x) with <paramref name="weight"/>.</summary>
    public void RmsNorm(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, double eps, Span<T> y) => FusedMath.RmsNorm(Rows, x, weight, T.CreateChecked(eps), y);

    /// <summary>y = LayerNorm(x) with <paramref name="weight"/> and <paramref name="bias"/>.</summary>
    public void LayerNorm(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, double eps, Span<T> y)
        => FusedMath.LayerNorm(Rows, x, weight, bias, T.CreateChecked(eps), y);

    /// <summary>y = x W^T.</summary>
    public void Linear(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, Span<T> y) => FusedMath.Linear(Rows, x, weight, default, y, accumulate: false);

    /// <summary>y = x W^T + bias.</summary>
    public void Linear(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y) => FusedMath.Linear(Rows, x, weight, bias, y, accumulate: false);

    /// <summary>y += x W^T (a projection that lands on the residual stream).</summary>
    public void LinearAdd(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, Span<T> y) => FusedMath.Linear(Rows, x, weight, default, y, accumulate: true);

    /// <summary>y += x W^T + bias.</summary>
    public void LinearAdd(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y) => FusedMath.Linear(Rows, x, weight, bias, y, accumulate: true);

    /// <summary>gate = silu(gate) * up.</summary>
    public void SwiGlu(Span<T> gate, ReadOnlySpan<T> up) => FusedMath.SwiGlu(gate, up);

    /// <summary>x = gelu(x), tanh approximation.</summary>
    public void Gelu(Span<T> x) => FusedMath.GeluTanh(x);

    /// <summary>
    /// Augmented linear attention of layer <paramref name="layer"/> on the fused projection rows, by the managed
    /// kernel in place (no tensor is made); advances the layer's positions.
    /// </summary>
    public void AugmentedStep(int layer, ReadOnlySpan<T> qkv, Span<T> output)
    {
        var mixer = (AugmentedLinearAttention)Block(layer).Attention.Mixer;
        if (!mixer.TryStepRows(_state.Layers[layer], qkv, output)) MixerStep(layer, qkv, output);
    }

    /// <summary>Layer <paramref name="layer"/>'s mixer step through its tensor form (mixers without a managed kernel); advances its positions.</summary>
    public void MixerStep(int layer, ReadOnlySpan<T> qkv, Span<T> output)
    {
        var attention = Block(layer).Attention;
        using var scope = NewDisposeScope();
        var projected = empty([Rows, 1, qkv.Length / Rows], _state.Dtype, _state.Device);
        qkv.CopyTo(Data(projected));
        var (q, k, v) = attention.Split(projected);
        var mixed = attention.Mixer.Step(q, k, v, _state.Layers[layer]);
        Data(mixed.contiguous()).CopyTo(output);
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

    /// <summary>Returns the scratch buffers to the pool.</summary>
    public void Dispose()
    {
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

    static Span<T> Data(Tensor t) => MemoryMarshal.Cast<byte, T>(t.bytes);
}
