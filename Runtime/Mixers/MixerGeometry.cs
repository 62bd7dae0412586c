namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Head layout of a token mixer: <see cref="Heads"/> query heads share <see cref="KvHeads"/> key/value heads
/// (grouped-query attention when KvHeads &lt; Heads; query head h reads key/value head h / (Heads / KvHeads)).
/// </summary>
public sealed record MixerGeometry
{
    /// <summary>Creates a geometry and checks that the numbers fit together.</summary>
    public MixerGeometry(int heads, int headDim, int? kvHeads = null)
    {
        int kv = kvHeads ?? heads;
        if (heads <= 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, "Heads must be positive.");
        if (headDim <= 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "HeadDim must be positive.");
        if (kv <= 0) throw new ArgumentOutOfRangeException(nameof(kvHeads), kv, "KvHeads must be positive.");
        if (heads % kv != 0)
            throw new ArgumentException($"KvHeads ({kv}) must divide Heads ({heads}) for grouped-query attention; choose a divisor of {heads}.", nameof(kvHeads));
        Heads = heads;
        HeadDim = headDim;
        KvHeads = kv;
    }

    /// <summary>Number of query heads.</summary>
    public int Heads { get; }

    /// <summary>Width of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Number of key/value heads.</summary>
    public int KvHeads { get; }

    /// <summary>Query heads per key/value head.</summary>
    public int QueriesPerKv => Heads / KvHeads;
}
