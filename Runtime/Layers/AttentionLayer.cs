using LinearDsl.Runtime.Mixers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Layers;

/// <summary>
/// A token-mixing layer: one fused q/k/v projection, a <see cref="TokenMixer"/>, and the output projection.
/// Inputs are [batch, time, model_dim]. It exposes the mixer's forms (parallel, prefill, step, verify, commit)
/// at the layer level; the mixer owns the recurrent state.
/// </summary>
public sealed partial class AttentionLayer : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Linear qkv_proj;
    readonly Linear o_proj;
    readonly TokenMixer mixer;
#pragma warning restore IDE1006
    readonly long _queryWidth;
    readonly long _kvWidth;

    /// <summary>
    /// Creates the layer around <paramref name="mixer"/>. The projections have no bias (LLaMA layout) unless
    /// <paramref name="bias"/> is set (GPT-2 layout: biases on the fused q/k/v projection and on the output projection).
    /// </summary>
    public AttentionLayer(int modelDim, TokenMixer mixer, bool bias = false) : base(nameof(AttentionLayer))
    {
        ArgumentNullException.ThrowIfNull(mixer);
        if (modelDim <= 0) throw new ArgumentOutOfRangeException(nameof(modelDim), modelDim, "The model width must be positive.");
        var g = mixer.Geometry;
        ModelDim = modelDim;
        _queryWidth = (long)g.Heads * g.HeadDim;
        _kvWidth = (long)g.KvHeads * g.HeadDim;
        HasBias = bias;
        qkv_proj = nn.Linear(modelDim, _queryWidth + 2 * _kvWidth, hasBias: bias);
        o_proj = nn.Linear(_queryWidth, modelDim, hasBias: bias);
        this.mixer = mixer;
        RegisterComponents();
    }

    /// <summary>Width of the residual stream.</summary>
    public int ModelDim { get; }

    /// <summary>True when both projections have a bias (qkv_proj.bias, o_proj.bias).</summary>
    public bool HasBias { get; }

    /// <summary>The token mixer.</summary>
    public TokenMixer Mixer => mixer;

    /// <summary>The fused q/k/v projection (self_attn.qkv_proj): queries, then keys, then values.</summary>
    public Linear QkvProjection => qkv_proj;

    /// <summary>The output projection (self_attn.o_proj).</summary>
    public Linear OutputProjection => o_proj;

    /// <summary>Parallel form over positions 0..time-1.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x);
        return Output(mixer.Parallel(q, k, v)).MoveToOuterDisposeScope();
    }

    /// <summary>A new decoding state of the mixer.</summary>
    public MixerState CreateState(long batch, ScalarType dtype = ScalarType.Float32, Device? device = null)
        => mixer.CreateState(batch, dtype, device);

    /// <summary>Feeds a block of tokens to every row (see <see cref="TokenMixer.Prefill"/>).</summary>
    public Tensor Prefill(Tensor x, MixerState state)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x);
        return Output(mixer.Prefill(q, k, v, state)).MoveToOuterDisposeScope();
    }

    /// <summary>One token per row, [batch, 1, model_dim].</summary>
    public Tensor Step(Tensor x, MixerState state)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x);
        return Output(mixer.Step(q, k, v, state)).MoveToOuterDisposeScope();
    }

    /// <summary>Outputs for candidate tokens [batch, m, model_dim]; the state is read, never written.</summary>
    public VerifyResult Verify(Tensor x, MixerState state)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x);
        var result = mixer.Verify(q, k, v, state);
        return result with { Output = Output(result.Output).MoveToOuterDisposeScope() };
    }

    /// <summary>Accepts a prefix of the verified candidates per row.</summary>
    public void Commit(MixerState state, PendingCommit pending, ReadOnlySpan<long> accepted) => mixer.Commit(state, pending, accepted);

    (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        long[] shape = x.shape;
        if (shape.Length != 3 || shape[2] != ModelDim)
            throw new ArgumentException($"Layer input must be [batch, time, {ModelDim}], got [{string.Join(", ", shape)}].", nameof(x));
        // call, not forward: adapters (LoRA) hook the projections.
        return Split(qkv_proj.call(x));
    }

    /// <summary>Queries [batch, heads, time, d], keys and values [batch, kv_heads, time, d] as views of a fused projection [batch, time, q + 2 kv].</summary>
    internal (Tensor Q, Tensor K, Tensor V) Split(Tensor qkv)
    {
        var g = mixer.Geometry;
        long batch = qkv.shape[0], time = qkv.shape[1];
        if (time == 1)
        {
            // One token: [batch, 1, heads * d] is already laid out as [batch, heads, 1, d].
            return (qkv.narrow(2, 0, _queryWidth).view(batch, g.Heads, 1, g.HeadDim),
                qkv.narrow(2, _queryWidth, _kvWidth).view(batch, g.KvHeads, 1, g.HeadDim),
                qkv.narrow(2, _queryWidth + _kvWidth, _kvWidth).view(batch, g.KvHeads, 1, g.HeadDim));
        }
        var q = qkv.narrow(2, 0, _queryWidth).view(batch, time, g.Heads, g.HeadDim).transpose(1, 2);
        var k = qkv.narrow(2, _queryWidth, _kvWidth).view(batch, time, g.KvHeads, g.HeadDim).transpose(1, 2);
        var v = qkv.narrow(2, _queryWidth + _kvWidth, _kvWidth).view(batch, time, g.KvHeads, g.HeadDim).transpose(1, 2);
        return (q, k, v);
    }

    Tensor Output(Tensor mixed)
    {
        long[] shape = mixed.shape;
        long batch = shape[0], time = shape[2];
        var merged = time == 1 ? mixed.reshape(batch, 1, _queryWidth) : mixed.transpose(1, 2).reshape(batch, time, _queryWidth);
        return o_proj.call(merged);
    }
}
