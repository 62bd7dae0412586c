using System.Text;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Data;

/// <summary>
/// A text corpus turned into one stream of token ids by an <see cref="ITextTokenizer"/>: the whole text is encoded at
/// once, so tokens never break at line or chunk boundaries. <see cref="SequencePacker"/> cuts the stream into
/// training sequences.
/// </summary>
public sealed class TokenCorpus
{
    readonly long[] _tokens;

    TokenCorpus(long[] tokens, string source, string tokenizerName, int vocabSize)
    {
        _tokens = tokens;
        Source = source;
        TokenizerName = tokenizerName;
        VocabSize = vocabSize;
    }

    /// <summary>Where the text came from (a file path, or the name given to <see cref="FromText"/>), for messages.</summary>
    public string Source { get; }

    /// <summary><see cref="ITextTokenizer.Name"/> of the tokenizer that encoded the text.</summary>
    public string TokenizerName { get; }

    /// <summary>The tokenizer's vocabulary size: every id is below it, so a model needs at least this many ids.</summary>
    public int VocabSize { get; }

    /// <summary>The token ids of the whole text, in order.</summary>
    public ReadOnlySpan<long> Tokens => _tokens;

    /// <summary>Number of token ids.</summary>
    public int Count => _tokens.Length;

    /// <summary>Reads the UTF-8 text file at <paramref name="path"/> (a byte order mark is skipped) and tokenizes it.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty or holds only white space.</exception>
    public static TokenCorpus FromFile(string path, ITextTokenizer tokenizer)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Corpus file '{path}' does not exist; give the path of a UTF-8 text file.", path);
        string text = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false));
        return FromText(text, tokenizer, $"corpus file '{path}'");
    }

    /// <summary>Tokenizes <paramref name="text"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The text is empty or holds only white space.</exception>
    public static TokenCorpus FromText(string text, ITextTokenizer tokenizer, string source = "corpus text")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(source);
        if (string.IsNullOrWhiteSpace(text))
            throw new InvalidDataException($"The {source} is empty: a corpus needs text to train on.");
        var tokens = tokenizer.Encode(text);
        if (tokens.Length == 0)
            throw new InvalidDataException($"The {source} encodes to no tokens with the '{tokenizer.Name}' tokenizer.");
        return new TokenCorpus(tokens, source, tokenizer.Name, tokenizer.VocabSize);
    }

    /// <summary>The ids as an array (shared; callers must not write to it).</summary>
    internal long[] Array => _tokens;
}
