using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The transform BERT's masked-LM head applies before the vocabulary projection (state-dict prefix mlm_transform):
/// norm(gelu(dense(h))) with the exact GELU and a layer norm, acting on each token alone.
/// </summary>
internal sealed class MlmTransform : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Linear dense;
    readonly LayerNorm norm;
#pragma warning restore IDE1006

    public MlmTransform(int width, double eps) : base(nameof(MlmTransform))
    {
        dense = nn.Linear(width, width, hasBias: true);
        norm = new LayerNorm(width, eps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return norm.forward(nn.functional.gelu(dense.call(hidden))).MoveToOuterDisposeScope();
    }
}
