namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The encoder's output as every decoder layer of a <see cref="Seq2SeqModel"/> reads it, computed once per source by
/// <see cref="Seq2SeqModel.Encode"/>: per layer the softmax cross-attention's keys and values, or the linear
/// cross-attention's sums (then the memory's size does not depend on the source length). Dispose it after the
/// decoding states that read it.
/// </summary>
public sealed class EncoderMemory : IDisposable
{
    readonly CrossAttentionMemory[] _layers;
    bool _disposed;

    internal EncoderMemory(Seq2SeqModel owner, CrossAttentionMemory[] layers, long[] sourceLengths)
    {
        Owner = owner;
        _layers = layers;
        SourceLengths = sourceLengths;
    }

    /// <summary>The model that encoded the source.</summary>
    public Seq2SeqModel Owner { get; }

    /// <summary>Rows (sources) in the batch.</summary>
    public long Batch => SourceLengths.Count;

    /// <summary>Each row's source length (its padding is masked out).</summary>
    public IReadOnlyList<long> SourceLengths { get; }

    /// <summary>Bytes the memory holds over all decoder layers.</summary>
    public long Bytes => _layers.Sum(layer => new[] { layer.Keys, layer.Values, layer.Sums }.Sum(t => t is null ? 0 : t.NumberOfElements * t.ElementSize));

    internal IReadOnlyList<CrossAttentionMemory> Layers
    {
        get
        {
            ThrowIfDisposed();
            return _layers;
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var layer in _layers) layer.Dispose();
    }
}
