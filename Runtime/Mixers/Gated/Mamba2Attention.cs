using LinearDsl.Runtime.Positional;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Mamba-2's state-space duality in its attention form: a data-dependent scalar decay per key/value head,
/// dt_t = softplus(k_t . w_dt + b_dt), log a_t = -exp(A_log) dt_t, S_t = a_t S_{t-1} + dt_t k_t v_t^T,
/// o_t = norm(q_t S_t / sqrt(d)) (q plays C, k plays B, v plays x). The mixer sees only q, k and v, so dt is a per-head
/// projection of the token's key (Mamba-2 projects the layer input).
/// </summary>
public sealed class Mamba2Attention : GatedRecurrenceMixer
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter dt_weight;
    readonly Parameter dt_bias;
    readonly Parameter a_log;
#pragma warning restore IDE1006

    /// <summary>Creates the mixer.</summary>
    public Mamba2Attention(MixerGeometry geometry, Mamba2Options? options = null, RotaryEmbedding? rotary = null)
        : base(nameof(Mamba2Attention), geometry, rotary, options ??= new Mamba2Options())
    {
        Options = options;
        int heads = geometry.KvHeads;
        // Mamba-2's initial ranges, spread over the heads instead of drawn: dt from 0.001 to 0.1 (log-spaced; the bias is
        // softplus^-1(dt)) and A from 1 to 16. w_dt starts at zero, so dt starts data-independent.
        float[] bias = new float[heads], logA = new float[heads];
        for (int h = 0; h < heads; h++)
        {
            double f = heads == 1 ? 0.5 : (double)h / (heads - 1);
            double dt = Math.Exp(Math.Log(0.001) + f * (Math.Log(0.1) - Math.Log(0.001)));
            bias[h] = (float)(dt + Math.Log(-double.ExpM1(-dt)));
            logA[h] = (float)(f * Math.Log(16));
        }
        dt_weight = new Parameter(zeros(heads, geometry.HeadDim, ScalarType.Float32));
        dt_bias = new Parameter(tensor(bias));
        a_log = new Parameter(tensor(logA));
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public Mamba2Options Options { get; }

    /// <summary>w_dt [kv_heads, d] (trainable).</summary>
    public Parameter DtWeight => dt_weight;

    /// <summary>b_dt [kv_heads] (trainable).</summary>
    public Parameter DtBias => dt_bias;

    /// <summary>A_log [kv_heads] (trainable): the decay rate is exp(A_log).</summary>
    public Parameter ALog => a_log;

    /// <inheritdoc />
    private protected override (Tensor LogGates, Tensor Keys) Gates(Tensor k)
    {
        var logits = k.matmul(dt_weight.to_type(k.dtype).view(1, -1, k.shape[3], 1)).add(dt_bias.to_type(k.dtype).view(1, -1, 1, 1));
        var dt = nn.functional.softplus(logits);
        return (dt.mul(a_log.to_type(k.dtype).exp().view(1, -1, 1, 1)).neg(), k.mul(dt));
    }
}
