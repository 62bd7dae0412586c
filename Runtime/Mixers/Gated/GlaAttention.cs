using LinearDsl.Runtime.Positional;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Gated linear attention (GLA): a data-dependent gate per key dimension, S_t = diag(a_t) S_{t-1} + k_t v_t^T,
/// o_t = norm(q_t S_t / sqrt(d)), log a_t = logsigmoid(k_t W_g + b_g) / GateTemperature. The mixer sees only q, k and
/// v, so the gate is a per-head d x d projection of the token's key (GLA projects the layer input through a low-rank map).
/// </summary>
public sealed class GlaAttention : GatedRecurrenceMixer
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter gate_weight;
    readonly Parameter gate_bias;
#pragma warning restore IDE1006

    /// <summary>Creates the mixer.</summary>
    public GlaAttention(MixerGeometry geometry, GlaOptions? options = null, RotaryEmbedding? rotary = null)
        : base(nameof(GlaAttention), geometry, rotary, options ??= new GlaOptions())
    {
        Options = options;
        int d = geometry.HeadDim;
        // W_g starts at zero, so the gates start as sigmoid(b_g)^(1/T): b_g from 0 to 5 over the key dimensions spreads
        // the initial memory from about 24 to about 2400 tokens (T = 16), as RetNet spreads its decays over heads.
        gate_weight = new Parameter(zeros(geometry.KvHeads, d, d, ScalarType.Float32));
        var bias = new float[geometry.KvHeads * d];
        for (int i = 0; i < bias.Length; i++) bias[i] = d == 1 ? 0 : 5f * (i % d) / (d - 1);
        gate_bias = new Parameter(tensor(bias, [geometry.KvHeads, d]));
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public GlaOptions Options { get; }

    /// <summary>W_g [kv_heads, d, d] (trainable).</summary>
    public Parameter GateWeight => gate_weight;

    /// <summary>b_g [kv_heads, d] (trainable).</summary>
    public Parameter GateBias => gate_bias;

    /// <inheritdoc />
    private protected override (Tensor LogGates, Tensor Keys) Gates(Tensor k)
    {
        var logits = k.matmul(gate_weight.to_type(k.dtype).unsqueeze(0)).add(gate_bias.to_type(k.dtype).view(1, -1, 1, k.shape[3]));
        return (nn.functional.logsigmoid(logits).div(Options.GateTemperature), k);
    }
}
