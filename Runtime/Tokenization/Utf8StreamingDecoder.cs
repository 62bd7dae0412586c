using System.Buffers;
using System.Diagnostics;
using System.Text.Unicode;

namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// The streaming decoder of byte-level tokenizers. Ids are turned into bytes through the token byte table and the
/// bytes are decoded incrementally: <see cref="Utf8.ToUtf16"/> with isFinalBlock: false converts every complete
/// scalar (invalid sequences become U+FFFD at once) and stops before a trailing sequence that could still be
/// completed; those at most 3 bytes stay at the front of the buffer for the next call. Each id costs O(its bytes),
/// with no re-decoding of earlier text.
/// </summary>
internal sealed class Utf8StreamingDecoder : IStreamingTextDecoder
{
    // Small chunks (the usual case: one id) decode into stack memory.
    const int StackCharLimit = 256;

    readonly TokenByteTable _table;
    byte[] _buffer = new byte[64];
    int _count;

    public Utf8StreamingDecoder(TokenByteTable table) => _table = table;

    /// <inheritdoc />
    public int PendingByteCount => _count;

    /// <inheritdoc />
    public string Append(long id)
    {
        Add(_table.BytesOf(id));
        return Drain(isFinalBlock: false);
    }

    /// <inheritdoc />
    public string Append(ReadOnlySpan<long> ids)
    {
        // Check every id first so that a bad one leaves the decoder unchanged.
        foreach (long id in ids) _table.CheckId(id);
        foreach (long id in ids) Add(_table.BytesOf(id));
        return Drain(isFinalBlock: false);
    }

    /// <inheritdoc />
    public string Flush() => Drain(isFinalBlock: true);

    void Add(ReadOnlySpan<byte> bytes)
    {
        if (_count + bytes.Length > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + bytes.Length));
        bytes.CopyTo(_buffer.AsSpan(_count));
        _count += bytes.Length;
    }

    string Drain(bool isFinalBlock)
    {
        if (_count == 0) return string.Empty;
        // UTF-8 never takes fewer bytes than UTF-16 takes chars, so _count chars always suffice.
        char[]? rented = null;
        Span<char> chars = _count <= StackCharLimit ? stackalloc char[_count] : (rented = ArrayPool<char>.Shared.Rent(_count));
        try
        {
            var status = Utf8.ToUtf16(_buffer.AsSpan(0, _count), chars, out int bytesRead, out int charsWritten,
                replaceInvalidSequences: true, isFinalBlock: isFinalBlock);
            Debug.Assert(status is OperationStatus.Done or OperationStatus.NeedMoreData);
            _buffer.AsSpan(bytesRead, _count - bytesRead).CopyTo(_buffer);
            _count -= bytesRead;
            return charsWritten == 0 ? string.Empty : new string(chars[..charsWritten]);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }
}
