using LinearDsl.Runtime.Positional;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// RetNet-style retention: a fixed decay gamma_h per key/value head, S_t = gamma_h S_{t-1} + k_t v_t^T,
/// o_t = norm(q_t S_t / sqrt(d)), with gamma_h = 1 - 2^(-5 - 7 h / (H - 1)) over the H key/value heads (RetNet's
/// 1 - 2^(-5 - h) for 8 heads, spread the same way over any count; 1 - 2^-5 for one head). No parameters.
/// </summary>
public sealed class RetNetAttention : GatedRecurrenceMixer
{
    readonly double[] _logDecays;

    /// <summary>Creates the mixer.</summary>
    public RetNetAttention(MixerGeometry geometry, RetNetOptions? options = null, RotaryEmbedding? rotary = null)
        : base(nameof(RetNetAttention), geometry, rotary, options ??= new RetNetOptions())
    {
        Options = options;
        _logDecays = Decays(geometry.KvHeads).Select(x => Math.Log(x)).ToArray();
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public RetNetOptions Options { get; }

    /// <summary>gamma_h of each of <paramref name="heads"/> key/value heads.</summary>
    public static double[] Decays(int heads)
        => Enumerable.Range(0, heads).Select(h => 1 - Math.Pow(2, -5 - (heads == 1 ? 0 : 7.0 * h / (heads - 1)))).ToArray();

    /// <inheritdoc />
    private protected override (Tensor LogGates, Tensor Keys) Gates(Tensor k)
    {
        var logGates = tensor(_logDecays, k.dtype, k.device).view(1, -1, 1, 1).expand(k.shape[0], -1, k.shape[2], 1);
        return (logGates, k);
    }
}
