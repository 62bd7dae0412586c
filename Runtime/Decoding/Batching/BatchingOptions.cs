namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>Bounds of a <see cref="ContinuousBatcher"/>.</summary>
public sealed record BatchingOptions
{
    /// <summary>Rows decoded side by side at most; further requests wait in the queue. Default 8.</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>Requests waiting for a row at most; beyond it <see cref="ContinuousBatcher.Submit"/> refuses. Default 64.</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>Bytes of model state the conversation cache keeps at most (least recently used first out); 0 turns it off. Default 256 MiB.</summary>
    public long StateCacheBytes { get; init; } = 256L << 20;

    /// <summary>Throws when a bound cannot work.</summary>
    public void Validate()
    {
        if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "MaxBatch must be at least 1.");
        if (MaxQueue < 0) throw new ArgumentOutOfRangeException(nameof(MaxQueue), MaxQueue, "MaxQueue must be at least 0.");
        if (StateCacheBytes < 0) throw new ArgumentOutOfRangeException(nameof(StateCacheBytes), StateCacheBytes, "StateCacheBytes must be at least 0 (0 turns the cache off).");
    }
}
