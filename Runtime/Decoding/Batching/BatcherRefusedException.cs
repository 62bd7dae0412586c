namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>Why a <see cref="ContinuousBatcher"/> refused a request.</summary>
public enum BatcherRefusal
{
    /// <summary>The queue of waiting requests is full; try again later.</summary>
    QueueFull,

    /// <summary>The batcher is shutting down and takes no new requests.</summary>
    ShuttingDown,
}

/// <summary>A request was refused before it was queued (nothing was started).</summary>
public sealed class BatcherRefusedException(BatcherRefusal reason, string message) : Exception(message)
{
    /// <summary>Why.</summary>
    public BatcherRefusal Reason { get; } = reason;
}
