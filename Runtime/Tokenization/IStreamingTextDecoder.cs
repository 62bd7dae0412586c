namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// Decodes a stream of token ids into text that is safe to show as it comes: every returned chunk is well-formed
/// UTF-16 made of whole Unicode scalars (never a split UTF-8 sequence, never a lone surrogate). Bytes of a character
/// that is not complete yet are held back until the ids that complete it arrive. A decoder holds state for one
/// stream and is not thread-safe; create one per generation.
/// </summary>
/// <remarks>
/// Chunks end on scalar boundaries, not grapheme boundaries: a combining mark or the next part of an emoji ZWJ
/// sequence may arrive in a later chunk than its base, exactly as in any text that is appended to.
/// </remarks>
public interface IStreamingTextDecoder
{
    /// <summary>Bytes held back because they start a character that is not complete yet (at most 3).</summary>
    int PendingByteCount { get; }

    /// <summary>Adds one id and returns the text it completes (possibly empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary; the decoder is unchanged.</exception>
    string Append(long id);

    /// <summary>Adds several ids and returns the text they complete (possibly empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary; the decoder is unchanged.</exception>
    string Append(ReadOnlySpan<long> ids);

    /// <summary>
    /// Ends the stream: returns the held-back bytes as text, each incomplete or invalid sequence replaced by U+FFFD,
    /// and leaves the decoder empty and ready for a new stream.
    /// </summary>
    string Flush();
}
