using System.Text;

namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// The tokenizer of small bundled models: a token is one byte of the text's UTF-8.
/// <para>Id layout: ids 0 to 255 are the byte values 0x00 to 0xFF; when the tokenizer has an end-of-text token it is
/// id 256 (text "&lt;|endoftext|&gt;") and <see cref="VocabSize"/> is 257, otherwise <see cref="VocabSize"/> is 256.
/// Further special tokens, if ever added, take ids 257, 258, ... so that the byte ids never move.</para>
/// <para>Encoding never produces a special id: the text "&lt;|endoftext|&gt;" is encoded as its 13 bytes. Decoding is
/// byte-exact: <c>Decode(Encode(text)) == text</c> for every well-formed string.</para>
/// </summary>
public sealed class ByteTokenizer : ITextTokenizer
{
    /// <summary>Number of byte ids (0 to 255); special ids start here.</summary>
    public const int ByteIdCount = 256;

    /// <summary><see cref="Name"/> of the tokenizer without special tokens.</summary>
    public const string PlainName = "byte";

    /// <summary><see cref="Name"/> of the tokenizer with an end-of-text id (256).</summary>
    public const string WithEndOfTextName = "byte-eot";

    readonly TokenByteTable _table;

    /// <summary>Creates the tokenizer, with the end-of-text id 256 when <paramref name="withEndOfText"/> is true.</summary>
    public ByteTokenizer(bool withEndOfText = false)
    {
        Name = withEndOfText ? WithEndOfTextName : PlainName;
        var tokens = new List<byte[]>(ByteIdCount + 1);
        for (int value = 0; value < ByteIdCount; value++) tokens.Add([(byte)value]);
        var specials = new Dictionary<string, long>();
        if (withEndOfText)
        {
            EndOfTextId = tokens.Count;
            specials.Add(TextTokenizers.EndOfTextToken, tokens.Count);
            tokens.Add(Encoding.UTF8.GetBytes(TextTokenizers.EndOfTextToken));
        }
        SpecialTokens = specials.AsReadOnly();
        _table = new TokenByteTable(Name, [.. tokens]);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int VocabSize => _table.Count;

    /// <inheritdoc />
    public long? EndOfTextId { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, long> SpecialTokens { get; }

    /// <inheritdoc />
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var ids = new long[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) ids[i] = bytes[i];
        return ids;
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<long> ids) => _table.Decode(ids);

    /// <inheritdoc />
    public IStreamingTextDecoder CreateStreamingDecoder() => new Utf8StreamingDecoder(_table);
}
