using LinearDsl.Runtime.Mixers;
using static TorchSharp.torch;

namespace LinearDsl.Samples.CosFormer;

/// <summary>
/// A user-defined mixer, written as a user would in their own assembly: cosFormer's cos-reweighted linear attention
/// (Qin et al., 2022). o_i = sum_{j &lt;= i} w_ij v_j / sum_{j &lt;= i} w_ij with w_ij = relu(q_i) . relu(k_j) cos(pi/2 (i - j) / M).
/// cos(a_i - a_j) = cos a_i cos a_j + sin a_i sin a_j (a_i = pi i / 2M) splits the weight into two linear terms, so the
/// recurrent state is two d x d sums and two normalisers, whatever the context. Only Parallel and the step are written
/// here; Verify and Commit come from <see cref="CustomMixer{TState}"/>. Declared in a model with
/// <c>[Mixer&lt;CosFormerMixer&gt;(Heads = 4, Settings = new object[] { "maxLength", 1024 })]</c>.
/// </summary>
public sealed class CosFormerMixer : CustomMixer<CosFormerState>
{
    const double Eps = 1e-6;
    readonly double _radiansPerToken;

    /// <summary>Creates the mixer; <paramref name="maxLength"/> is cosFormer's M (the cosine stays positive up to it).</summary>
    public CosFormerMixer(MixerGeometry geometry, int maxLength = 1024) : base(nameof(CosFormerMixer), geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (geometry.QueriesPerKv != 1) throw new ArgumentException("This sample takes as many KV heads as query heads.", nameof(geometry));
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength (cosFormer's M) must be positive.");
        MaxLength = maxLength;
        _radiansPerToken = Math.PI / (2.0 * maxLength);
        RegisterComponents();
    }

    /// <summary>cosFormer's M: the weights' cosine turns from 1 at distance 0 to 0 at distance M.</summary>
    public int MaxLength { get; }

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
    {
        long time = q.shape[2];
        var positions = arange(time, q.dtype, q.device);
        var distance = positions.unsqueeze(1).sub(positions.unsqueeze(0));                       // i - j
        var weights = q.relu().matmul(k.relu().transpose(-1, -2)).mul(distance.mul(_radiansPerToken).cos());
        weights = weights.masked_fill(ones(time, time, ScalarType.Bool, q.device).triu(1), 0);   // j > i: later tokens
        return weights.matmul(v).div(weights.sum(-1, keepdim: true).add(Eps));
    }

    /// <inheritdoc />
    protected override CosFormerState NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);

    /// <inheritdoc />
    protected override Tensor StepState(Tensor q, Tensor k, Tensor v, CosFormerState state)
    {
        var angle = tensor(state.Positions.Select(p => (double)p).ToArray(), q.dtype, q.device).mul(_radiansPerToken).view(-1, 1, 1, 1);
        var (cosine, sine) = (angle.cos(), angle.sin());
        var (fq, fk) = (q.relu(), k.relu());
        var (kc, ks) = (fk.mul(cosine), fk.mul(sine));
        state.CosSum = state.CosSum.add(kc.transpose(-1, -2).matmul(v));
        state.SinSum = state.SinSum.add(ks.transpose(-1, -2).matmul(v));
        state.CosNorm = state.CosNorm.add(kc);
        state.SinNorm = state.SinNorm.add(ks);
        var (qc, qs) = (fq.mul(cosine), fq.mul(sine));
        var numerator = qc.matmul(state.CosSum).add(qs.matmul(state.SinSum));
        var denominator = qc.mul(state.CosNorm).sum(-1, keepdim: true).add(qs.mul(state.SinNorm).sum(-1, keepdim: true));
        return numerator.div(denominator.add(Eps));
    }
}

/// <summary>cosFormer's state per row and head: the cos- and sin-weighted sums of k v^T and of k.</summary>
public sealed class CosFormerState : CustomMixerState
{
    /// <summary>Zero sums for <paramref name="batch"/> rows.</summary>
    public CosFormerState(TokenMixer owner, long batch, ScalarType dtype, Device device) : base(owner, batch, dtype, device)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var g = owner.Geometry;
        Write("cos_sum", zeros(batch, g.Heads, g.HeadDim, g.HeadDim, dtype, device));
        Write("sin_sum", zeros(batch, g.Heads, g.HeadDim, g.HeadDim, dtype, device));
        Write("cos_norm", zeros(batch, g.Heads, 1, g.HeadDim, dtype, device));
        Write("sin_norm", zeros(batch, g.Heads, 1, g.HeadDim, dtype, device));
    }

    /// <summary>sum_j cos(a_j) relu(k_j)^T v_j.</summary>
    public Tensor CosSum { get => Read("cos_sum"); set => Write("cos_sum", value); }

    /// <summary>sum_j sin(a_j) relu(k_j)^T v_j.</summary>
    public Tensor SinSum { get => Read("sin_sum"); set => Write("sin_sum", value); }

    /// <summary>sum_j cos(a_j) relu(k_j).</summary>
    public Tensor CosNorm { get => Read("cos_norm"); set => Write("cos_norm", value); }

    /// <summary>sum_j sin(a_j) relu(k_j).</summary>
    public Tensor SinNorm { get => Read("sin_norm"); set => Write("sin_norm", value); }
}
