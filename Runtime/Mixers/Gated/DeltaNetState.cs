using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>State of <see cref="DeltaNet"/>: "s" = S, [batch, kv_heads, d, d] in float32 or better; nothing grows with the context.</summary>
public sealed class DeltaNetState : MixerState
{
    internal DeltaNetState(TokenMixer owner, long batch, ScalarType dtype, Device device)
        : base(owner, batch, dtype, device)
    {
    }

    internal Tensor S { get => Get("s"); set => Set("s", value); }
}

/// <summary>The candidates' normalised keys and solved updates u_j, [batch, kv_heads, m, d] each, in the state's dtype.</summary>
internal sealed class DeltaNetPending : PendingCommit
{
    public DeltaNetPending(MixerState state, long candidates, Tensor keys, Tensor updates) : base(state, candidates)
    {
        Keys = Keep(keys);
        Updates = Keep(updates);
    }

    public Tensor Keys { get; }

    public Tensor Updates { get; }
}
