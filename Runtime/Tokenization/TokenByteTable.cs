using System.Buffers;
using System.Text;

namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// The bytes of every token id of a byte-level tokenizer (special tokens as the UTF-8 of their text). Decoding
/// concatenates bytes and only then interprets them as UTF-8, because one token may hold part of a character.
/// </summary>
internal sealed class TokenByteTable
{
    readonly byte[][] _tokens;

    public TokenByteTable(string tokenizerName, byte[][] tokens)
    {
        TokenizerName = tokenizerName;
        _tokens = tokens;
    }

    /// <summary>Names the tokenizer in error messages.</summary>
    public string TokenizerName { get; }

    /// <summary>Number of ids.</summary>
    public int Count => _tokens.Length;

    /// <summary>The bytes of <paramref name="id"/>.</summary>
    public ReadOnlySpan<byte> BytesOf(long id)
    {
        CheckId(id);
        return _tokens[id];
    }

    /// <summary>Throws the out-of-range error for <paramref name="id"/> unless it is a valid id.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2208", Justification = "The error names the parameter of the public Decode that the caller passed, not this helper's.")]
    public void CheckId(long id)
    {
        if ((ulong)id >= (ulong)_tokens.Length)
            throw new ArgumentOutOfRangeException("ids", id,
                $"Token id {id} is out of range for the '{TokenizerName}' tokenizer: its vocabulary size is {_tokens.Length} (ids 0 to {_tokens.Length - 1}).");
    }

    /// <summary>The UTF-8 text of the concatenated bytes of <paramref name="ids"/>, invalid sequences as U+FFFD.</summary>
    public string Decode(IEnumerable<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new ArrayBufferWriter<byte>();
        foreach (long id in ids) bytes.Write(BytesOf(id));
        // Encoding.UTF8 replaces each maximal invalid subsequence by one U+FFFD, as Utf8.ToUtf16 does in the streaming
        // decoder, so streamed chunks concatenate to exactly this string.
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }
}
