using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Data;

/// <summary>
/// Training sequences of <see cref="SequenceLength"/> = context length + 1 token ids each, cut from a token stream:
/// a model reads the first <see cref="ContextLength"/> ids of a sequence and is scored on predicting the last
/// <see cref="ContextLength"/> ids (the same sequence shifted by one). Sequence i starts at token
/// <c>i * ContextLength</c>, so consecutive sequences share one boundary token and every token but the first is a
/// target exactly once.
/// </summary>
public sealed class PackedSequences
{
    readonly long[] _tokens;
    readonly int _firstToken;

    internal PackedSequences(long[] tokens, int firstToken, int count, int contextLength)
    {
        _tokens = tokens;
        _firstToken = firstToken;
        Count = count;
        ContextLength = contextLength;
    }

    /// <summary>Number of sequences.</summary>
    public int Count { get; }

    /// <summary>Tokens a model reads per sequence (and targets it is scored on).</summary>
    public int ContextLength { get; }

    /// <summary>Token ids per sequence: <see cref="ContextLength"/> + 1.</summary>
    public int SequenceLength => ContextLength + 1;

    /// <summary>Target tokens of all sequences: <see cref="Count"/> x <see cref="ContextLength"/>.</summary>
    public long TargetTokenCount => (long)Count * ContextLength;

    /// <summary>The ids of sequence <paramref name="index"/> (<see cref="SequenceLength"/> of them).</summary>
    public ReadOnlySpan<long> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {Count} sequences.");
            return _tokens.AsSpan(_firstToken + index * ContextLength, SequenceLength);
        }
    }

    /// <summary>
    /// The sequences at <paramref name="indices"/> as an int64 tensor [indices.Length, <see cref="SequenceLength"/>] on
    /// <paramref name="device"/> (default CPU). The caller owns it (it joins the current dispose scope, if any).
    /// </summary>
    public Tensor Batch(ReadOnlySpan<int> indices, Device? device = null)
    {
        if (indices.Length == 0) throw new ArgumentException("A batch needs at least one sequence.", nameof(indices));
        var ids = new long[indices.Length * SequenceLength];
        for (int row = 0; row < indices.Length; row++) this[indices[row]].CopyTo(ids.AsSpan(row * SequenceLength));
        var batch = tensor(ids, [indices.Length, SequenceLength]);
        if (device is null || device.type == DeviceType.CPU) return batch;
        using (batch) return batch.to(device);
    }
}
