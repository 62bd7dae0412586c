using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;
using TorchSharp.Modules;

namespace LinearDsl.CustomMixer.Tests;

/// <summary>
/// A second user-defined mixer, small on purpose: o_t = scale_h * (mean of v_0..v_t), with a learnable per-head
/// scale (a parameter of the mixer module, saved under self_attn.mixer.scale), grouped-query heads, and rotary
/// positions taken when the model has them.
/// </summary>
public sealed class ScaledPrefixMean : CustomMixer<PrefixSumState>
{
    public ScaledPrefixMean(MixerGeometry geometry, RotaryEmbedding? rotary, double initialScale = 1.0) : base(nameof(ScaledPrefixMean), geometry, rotary)
    {
        scale = new Parameter(full(geometry.Heads, initialScale, ScalarType.Float32));
        RegisterComponents();
    }

#pragma warning disable IDE1006 // TorchSharp registers the field under its own name, the state-dict key "scale".
    readonly Parameter scale;
#pragma warning restore IDE1006

    public Tensor Scale => scale;

    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
    {
        long time = v.shape[2];
        var counts = arange(1, time + 1, v.dtype, v.device).view(1, 1, -1, 1);
        var mean = v.cumsum(2).div(counts);                                       // [b, kv, t, d]
        return Spread(mean).mul(scale.to(v.dtype).view(1, -1, 1, 1));
    }

    protected override PrefixSumState NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);

    protected override Tensor StepState(Tensor q, Tensor k, Tensor v, PrefixSumState state)
    {
        state.Sum = state.Sum.add(v);
        var counts = tensor(state.Positions.Select(p => (double)(p + 1)).ToArray(), v.dtype, v.device).view(-1, 1, 1, 1);
        return Spread(state.Sum.div(counts)).mul(scale.to(v.dtype).view(1, -1, 1, 1));
    }

    /// <summary>Key/value heads to query heads (query head h reads kv head h / QueriesPerKv).</summary>
    Tensor Spread(Tensor kv) => kv.repeat_interleave(Geometry.QueriesPerKv, 1);
}

/// <summary>The running sum of v per row and key/value head.</summary>
public sealed class PrefixSumState : CustomMixerState
{
    public PrefixSumState(TokenMixer owner, long batch, ScalarType dtype, Device device) : base(owner, batch, dtype, device)
        => Write("sum", zeros(batch, owner.Geometry.KvHeads, 1, owner.Geometry.HeadDim, dtype, device));

    public Tensor Sum { get => Read("sum"); set => Write("sum", value); }
}
