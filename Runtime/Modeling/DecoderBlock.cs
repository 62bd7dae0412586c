using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// A pre-norm residual decoder block in the Hugging Face LLaMA layout: h = x + self_attn(input_layernorm(x)),
/// out = h + mlp(post_attention_layernorm(h)). It exposes the forms of its <see cref="AttentionLayer"/> on
/// [batch, time, width]; the norms and the MLP act on each token alone, so the forms stay exact to each other.
/// </summary>
public sealed partial class DecoderBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Norm input_layernorm;
    readonly AttentionLayer self_attn;
    readonly Norm post_attention_layernorm;
    readonly Mlp mlp;
#pragma warning restore IDE1006

    /// <summary>Assembles a block; every part must have the same width.</summary>
    public DecoderBlock(Norm inputNorm, AttentionLayer attention, Norm postAttentionNorm, Mlp mlp) : base(nameof(DecoderBlock))
    {
        ArgumentNullException.ThrowIfNull(inputNorm);
        ArgumentNullException.ThrowIfNull(attention);
        ArgumentNullException.ThrowIfNull(postAttentionNorm);
        ArgumentNullException.ThrowIfNull(mlp);
        int width = attention.ModelDim;
        if (inputNorm.Width != width || postAttentionNorm.Width != width || mlp.Width != width)
            throw new ArgumentException($"Every part of a decoder block must have the attention layer's width {width}: input norm {inputNorm.Width}, post-attention norm {postAttentionNorm.Width}, MLP {mlp.Width}.");
        Width = width;
        input_layernorm = inputNorm;
        self_attn = attention;
        post_attention_layernorm = postAttentionNorm;
        this.mlp = mlp;
        RegisterComponents();
    }

    /// <summary>Width of the residual stream.</summary>
    public int Width { get; }

    /// <summary>Norm before the attention layer.</summary>
    public Norm InputNorm => input_layernorm;

    /// <summary>The attention layer (projections and token mixer).</summary>
    public AttentionLayer Attention => self_attn;

    /// <summary>Norm before the MLP.</summary>
    public Norm PostAttentionNorm => post_attention_layernorm;

    /// <summary>The feed-forward network.</summary>
    public Mlp Mlp => mlp;

    /// <summary>Parallel form over positions 0..time-1; autograd flows through it.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = self_attn.forward(input_layernorm.forward(x)).add_(x);
        return FeedForward(h).MoveToOuterDisposeScope();
    }

    /// <summary>A new decoding state of the block's mixer.</summary>
    public MixerState CreateState(long batch, ScalarType dtype = ScalarType.Float32, Device? device = null)
        => self_attn.CreateState(batch, dtype, device);

    /// <summary>Feeds a block of tokens to every row and advances each row by its length.</summary>
    public Tensor Prefill(Tensor x, MixerState state)
    {
        using var scope = NewDisposeScope();
        var h = self_attn.Prefill(input_layernorm.forward(x), state).add_(x);
        return FeedForward(h).MoveToOuterDisposeScope();
    }

    /// <summary>One token per row, [batch, 1, width]; advances every row by one.</summary>
    public Tensor Step(Tensor x, MixerState state)
    {
        using var scope = NewDisposeScope();
        var h = self_attn.Step(input_layernorm.forward(x), state).add_(x);
        return FeedForward(h).MoveToOuterDisposeScope();
    }

    /// <summary>Outputs for candidate tokens [batch, m, width]; the state is read, never written.</summary>
    public VerifyResult Verify(Tensor x, MixerState state)
    {
        using var scope = NewDisposeScope();
        var result = self_attn.Verify(input_layernorm.forward(x), state);
        try
        {
            var output = FeedForward(result.Output.add_(x));
            return result with { Output = output.MoveToOuterDisposeScope() };
        }
        catch
        {
            result.Pending.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the first accepted[b] verified candidates of row b.</summary>
    public void Commit(MixerState state, PendingCommit pending, ReadOnlySpan<long> accepted) => self_attn.Commit(state, pending, accepted);

    /// <summary>h + mlp(post_attention_layernorm(h)); the MLP's fresh output takes the residual in place.</summary>
    Tensor FeedForward(Tensor h) => mlp.forward(post_attention_layernorm.forward(h)).add_(h);
}
