using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// KV cache of <see cref="SoftmaxAttention"/>: "keys" and "values" [batch, kv_heads, capacity, d]; row b holds its
/// committed tokens in slots 0..position-1. <see cref="MixerState.StateBytes"/> counts the filled slots.
/// </summary>
public sealed class KvCacheState : MixerState
{
    internal KvCacheState(TokenMixer owner, long batch, ScalarType dtype, Device device)
        : base(owner, batch, dtype, device)
    {
    }

    /// <summary>Tokens the cache can hold before it grows.</summary>
    public long Capacity => Keys.shape[2];

    /// <inheritdoc />
    public override long StateBytes => 2 * Positions.Sum() * Keys.shape[1] * Keys.shape[3] * Keys.ElementSize;

    internal Tensor Keys { get => Get("keys"); set => Set("keys", value); }

    internal Tensor Values { get => Get("values"); set => Set("values", value); }

    internal void Replace(string name, Tensor value) => Set(name, value);
}

/// <summary>The candidates' rotated keys and values, written into the cache by Commit.</summary>
internal sealed class KvCachePending : PendingCommit
{
    public KvCachePending(MixerState state, long candidates, Tensor keys, Tensor values) : base(state, candidates)
    {
        Keys = Keep(keys);
        Values = Keep(values);
    }

    public Tensor Keys { get; }

    public Tensor Values { get; }
}
