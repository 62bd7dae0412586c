namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// Turns text into the int64 token ids a language model takes and back. Implementations are immutable and their
/// vocabulary is fixed: ids run from 0 to <see cref="VocabSize"/> - 1. Named to stay clear of
/// <c>Microsoft.ML.Tokenizers.Tokenizer</c>, which <see cref="Gpt2Tokenizer"/> wraps.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>The name <see cref="TextTokenizers.Create"/> knows this tokenizer by, e.g. "byte" or "gpt2".</summary>
    string Name { get; }

    /// <summary>Number of token ids, special tokens included; a model using this tokenizer needs this vocabulary size.</summary>
    int VocabSize { get; }

    /// <summary>The id that marks the end of a text (generation stops there), or null when the tokenizer has none.</summary>
    long? EndOfTextId { get; }

    /// <summary>Every special token's text and id (empty when there are none).</summary>
    IReadOnlyDictionary<string, long> SpecialTokens { get; }

    /// <summary>
    /// The ids of <paramref name="text"/>. Text that is not valid UTF-16 (a lone surrogate) is encoded as U+FFFD.
    /// Whether the text of a special token inside <paramref name="text"/> becomes its special id is the
    /// tokenizer's convention and documented on each implementation.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    long[] Encode(string text);

    /// <summary>
    /// The text of <paramref name="ids"/>. Byte sequences that are not valid UTF-8 (including an incomplete one at the
    /// end) become U+FFFD; a special id becomes its token text, e.g. "&lt;|endoftext|&gt;".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or at least <see cref="VocabSize"/>.</exception>
    string Decode(IEnumerable<long> ids);

    /// <summary>
    /// A decoder for ids that arrive one at a time (generation): it returns text only when it is complete, so the
    /// concatenation of its outputs equals <see cref="Decode"/> of all ids and no output ends in half a character.
    /// </summary>
    IStreamingTextDecoder CreateStreamingDecoder();
}
