using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The encoder stack of an <see cref="EncoderModel"/> or a <see cref="Seq2SeqModel"/> (state-dict prefix "encoder."):
/// blocks that run their mixers' parallel forms, so a non-causal mixer reads the whole sequence, then the final norm
/// (pre-norm <see cref="DecoderBlock"/>s), or none (post-norm <see cref="PostNormBlock"/>s, whose last norm is the
/// block's own). It has no decoding forms: an encoder sees its whole input at once.
/// </summary>
internal sealed class EncoderStack : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    internal readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> layers;
    internal readonly Norm? norm;
#pragma warning restore IDE1006

    public EncoderStack(IReadOnlyList<nn.Module<Tensor, Tensor>> blocks, Norm? finalNorm) : base("encoder")
    {
        layers = nn.ModuleList(blocks.ToArray());
        norm = finalNorm;
        RegisterComponents();
    }

    public int Count => layers.Count;

    /// <summary>Hidden states [batch, time, width] after the final norm, for embedded inputs [batch, time, width].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in layers) x = layer.forward(x);
        return (norm is null ? x : norm.forward(x)).MoveToOuterDisposeScope();
    }
}
