using LinearDsl.Runtime.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// A post-norm encoder block (BERT): h = post_attention_layernorm(x + self_attn(x)),
/// out = post_mlp_layernorm(h + mlp(h)). Used by encoders whose <see cref="ModelConfig.NormPlacement"/> is
/// <see cref="NormPlacement.Post"/>; like every encoder block it has only the parallel form.
/// </summary>
internal sealed class PostNormBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly AttentionLayer self_attn;
    readonly Norm post_attention_layernorm;
    readonly Mlp mlp;
    readonly Norm post_mlp_layernorm;
#pragma warning restore IDE1006

    public PostNormBlock(AttentionLayer attention, Norm attentionNorm, Mlp mlp, Norm mlpNorm) : base(nameof(PostNormBlock))
    {
        self_attn = attention;
        post_attention_layernorm = attentionNorm;
        this.mlp = mlp;
        post_mlp_layernorm = mlpNorm;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = post_attention_layernorm.forward(self_attn.forward(x).add_(x));
        return post_mlp_layernorm.forward(mlp.forward(h).add_(h)).MoveToOuterDisposeScope();
    }
}
