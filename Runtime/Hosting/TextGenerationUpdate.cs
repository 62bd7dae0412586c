namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// One piece of a streamed generation. Chunks are whole characters (never half of a UTF-8 sequence or of a surrogate
/// pair) and concatenate to <see cref="TextGenerationResult.Text"/>. The last update of a stream carries the
/// <see cref="Result"/> (its <see cref="Text"/> may be empty); every other update carries non-empty text.
/// </summary>
/// <param name="Text">New text.</param>
/// <param name="Result">The outcome, on the last update only.</param>
public sealed record TextGenerationUpdate(string Text, TextGenerationResult? Result = null);
