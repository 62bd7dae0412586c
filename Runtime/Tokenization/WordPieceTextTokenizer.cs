using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// BERT's WordPiece tokenizer, read from a Hugging Face folder's vocab.txt (and tokenizer_config.json's
/// do_lower_case), through Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>. <see cref="Encode"/> frames the text
/// as BERT reads it, [CLS] text [SEP], and the text of a special token inside it (such as [MASK]) becomes that token's
/// id. <see cref="Decode"/> leaves the special tokens out.
/// </summary>
public sealed class WordPieceTextTokenizer : ITextTokenizer
{
    /// <summary>The name this tokenizer goes by ("wordpiece").</summary>
    public const string TokenizerName = "wordpiece";

    /// <summary>The vocabulary file a BERT folder holds.</summary>
    public const string VocabularyFileName = "vocab.txt";

    readonly BertTokenizer _tokenizer;

    WordPieceTextTokenizer(BertTokenizer tokenizer, int vocabSize)
    {
        _tokenizer = tokenizer;
        VocabSize = vocabSize;
        SpecialTokens = tokenizer.SpecialTokens?.ToDictionary(p => p.Key, p => (long)p.Value, StringComparer.Ordinal) ?? new Dictionary<string, long>();
    }

    /// <summary>The tokenizer of the BERT folder <paramref name="folder"/>: its vocab.txt, lower-cased unless tokenizer_config.json says do_lower_case false.</summary>
    /// <exception cref="FileNotFoundException">The folder has no vocab.txt.</exception>
    /// <exception cref="InvalidDataException">tokenizer_config.json is not valid JSON, or the vocabulary lacks BERT's special tokens.</exception>
    public static WordPieceTextTokenizer FromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string vocabulary = Path.Combine(folder, VocabularyFileName);
        if (!File.Exists(vocabulary))
            throw new FileNotFoundException($"'{vocabulary}' is missing: the WordPiece tokenizer reads a BERT folder's {VocabularyFileName}.", vocabulary);
        int size = File.ReadLines(vocabulary).Count();
        var options = new BertOptions { LowerCaseBeforeTokenization = LowerCase(folder) };
        try
        {
            return new WordPieceTextTokenizer(BertTokenizer.Create(vocabulary, options), size);
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"'{vocabulary}' is not a BERT vocabulary: {error.Message}", error);
        }
    }

    /// <inheritdoc />
    public string Name => TokenizerName;

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <summary>Null: BERT has no end-of-text token ([SEP] ends a segment, and encoders do not generate).</summary>
    public long? EndOfTextId => null;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, long> SpecialTokens { get; }

    /// <summary>[CLS], the WordPiece ids of <paramref name="text"/>, [SEP].</summary>
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _tokenizer.EncodeToIds(text, addSpecialTokens: true, considerPreTokenization: true, considerNormalization: true).Select(id => (long)id).ToArray();
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids.ToList();
        foreach (long id in list)
        {
            if (id < 0 || id >= VocabSize) throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the WordPiece vocabulary 0..{VocabSize - 1}.");
        }
        return _tokenizer.Decode(list.Select(id => (int)id), skipSpecialTokens: true);
    }

    /// <inheritdoc />
    public IStreamingTextDecoder CreateStreamingDecoder() => new StreamingDecoder(this);

    static bool LowerCase(string folder)
    {
        string path = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(path)) return true;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return !(document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("do_lower_case", out var value)
                && value.ValueKind == JsonValueKind.False);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {error.Message}", error);
        }
    }

    /// <summary>Decodes the ids so far and returns what the text gained; WordPiece text never splits a character.</summary>
    sealed class StreamingDecoder(WordPieceTextTokenizer tokenizer) : IStreamingTextDecoder
    {
        readonly List<long> _ids = [];
        string _shown = "";

        public int PendingByteCount => 0;

        public string Append(long id) => Append([id]);

        public string Append(ReadOnlySpan<long> ids)
        {
            var added = ids.ToArray();
            string text = tokenizer.Decode(_ids.Concat(added));
            _ids.AddRange(added);
            return Advance(text);
        }

        public string Flush()
        {
            string rest = Advance(tokenizer.Decode(_ids));
            _ids.Clear();
            _shown = "";
            return rest;
        }

        /// <summary>The part of <paramref name="text"/> after what was shown; nothing when the text no longer extends it (shown text is never taken back).</summary>
        string Advance(string text)
        {
            if (!text.StartsWith(_shown, StringComparison.Ordinal)) return "";
            string fresh = text[_shown.Length..];
            _shown = text;
            return fresh;
        }
    }
}
