using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Recurrent state of <see cref="AugmentedLinearAttention"/>: S = sum of k^ v^T over complete groups ("kv",
/// [batch, kv_heads, d, d], float32 or float64), the current group's buffer ("keys" holds k^, "values" holds v,
/// [batch, kv_heads, G, d]; slot i holds position group_start + i, valid below position mod G) and the last
/// K-1 values for the convolution ("conv_history", [batch, kv_heads, K-1, d], newest first, so that a decode
/// step contracts [v || history] with the kernel as it is). Empty buffer slots always hold zeros.
/// </summary>
public sealed class AugmentedLinearState : MixerState
{
    internal AugmentedLinearState(TokenMixer owner, long batch, ScalarType dtype, Device device)
        : base(owner, batch, dtype, device)
    {
    }

    internal Tensor Kv { get => Get("kv"); set => Set("kv", value); }

    internal Tensor Keys { get => Get("keys"); set => Set("keys", value); }

    internal Tensor Values { get => Get("values"); set => Set("values", value); }

    internal Tensor ConvHistory { get => Get("conv_history"); set => Set("conv_history", value); }

    /// <summary>Gate = Gla: log a of the current group's tokens ("gate_logs", [batch, kv_heads, G, d], state dtype; empty slots hold log 1 = 0).</summary>
    internal Tensor GateLogs { get => Get("gate_logs"); set => Set("gate_logs", value); }
}

/// <summary>The candidates' k^ and v (and log gates, when gated), kept by Verify so that Commit needs no recomputation.</summary>
internal sealed class AugmentedLinearPending : PendingCommit
{
    public AugmentedLinearPending(MixerState state, long candidates, Tensor keys, Tensor values, Tensor? logs = null) : base(state, candidates)
    {
        Keys = Keep(keys);
        Values = Keep(values);
        Logs = logs is null ? null : Keep(logs);
    }

    /// <summary>log a of the candidates [batch, kv_heads, m, d] (Gate = Gla), else null.</summary>
    public Tensor? Logs { get; }

    public Tensor Keys { get; }

    public Tensor Values { get; }
}
