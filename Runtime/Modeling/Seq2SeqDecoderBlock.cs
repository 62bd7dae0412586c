using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// A pre-norm decoder block with cross-attention: h = x + self_attn(input_layernorm(x)),
/// c = h + cross_attn(cross_attn_layernorm(h), memory), out = c + mlp(post_attention_layernorm(c)). Only the causal
/// self-attention mixes target tokens; cross-attention and the MLP act on each token alone (given the memory), so the
/// block's forms are as exact to each other as its mixer's.
/// </summary>
internal sealed class Seq2SeqDecoderBlock : nn.Module
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Norm input_layernorm;
    readonly AttentionLayer self_attn;
    readonly Norm cross_attn_layernorm;
    readonly CrossAttention cross_attn;
    readonly Norm post_attention_layernorm;
    readonly Mlp mlp;
#pragma warning restore IDE1006

    public Seq2SeqDecoderBlock(ModelConfig config, AttentionLayer attention, CrossAttention crossAttention) : base(nameof(Seq2SeqDecoderBlock))
    {
        input_layernorm = Norm.Create(config.Norm, config.Width, config.NormEps);
        self_attn = attention;
        cross_attn_layernorm = Norm.Create(config.Norm, config.Width, config.NormEps);
        cross_attn = crossAttention;
        post_attention_layernorm = Norm.Create(config.Norm, config.Width, config.NormEps);
        mlp = Mlp.Create(config.Mlp, config.Width, config.MlpHidden);
        RegisterComponents();
    }

    public AttentionLayer Attention => self_attn;

    public CrossAttention Cross => cross_attn;

    public Tensor Forward(Tensor x, CrossAttentionMemory memory)
    {
        using var scope = NewDisposeScope();
        return Rest(self_attn.forward(input_layernorm.forward(x)).add_(x), memory).MoveToOuterDisposeScope();
    }

    public Tensor Prefill(Tensor x, MixerState state, CrossAttentionMemory memory)
    {
        using var scope = NewDisposeScope();
        return Rest(self_attn.Prefill(input_layernorm.forward(x), state).add_(x), memory).MoveToOuterDisposeScope();
    }

    public Tensor Step(Tensor x, MixerState state, CrossAttentionMemory memory)
    {
        using var scope = NewDisposeScope();
        return Rest(self_attn.Step(input_layernorm.forward(x), state).add_(x), memory).MoveToOuterDisposeScope();
    }

    public VerifyResult Verify(Tensor x, MixerState state, CrossAttentionMemory memory)
    {
        using var scope = NewDisposeScope();
        var result = self_attn.Verify(input_layernorm.forward(x), state);
        try
        {
            var output = Rest(result.Output.add_(x), memory);
            return result with { Output = output.MoveToOuterDisposeScope() };
        }
        catch
        {
            result.Pending.Dispose();
            throw;
        }
    }

    public void Commit(MixerState state, PendingCommit pending, ReadOnlySpan<long> accepted) => self_attn.Commit(state, pending, accepted);

    /// <summary>Cross-attention then the MLP, each with its residual, on the self-attention's output h.</summary>
    Tensor Rest(Tensor h, CrossAttentionMemory memory)
    {
        var c = cross_attn.Attend(cross_attn_layernorm.forward(h), memory).add_(h);
        return mlp.forward(post_attention_layernorm.forward(c)).add_(c);
    }
}
