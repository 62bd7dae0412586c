using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Generates text from a prompt text: tokenizer and decoder behind one call.</summary>
public interface ITextGenerator
{
    /// <summary>The tokenizer that turns prompts into tokens and tokens into text.</summary>
    ITextTokenizer Tokenizer { get; }

    /// <summary>
    /// Streams the text generated after <paramref name="prompt"/>. Chunks never split a character; stop sequences are
    /// matched on the text across token boundaries (text that could still become one is held back until it is
    /// decided). The last update carries the <see cref="TextGenerationResult"/>. Cancellation stops after the current
    /// decoding round with an <see cref="OperationCanceledException"/> and frees the request's state, as does leaving
    /// the enumeration early.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt is empty and the tokenizer has no end-of-text token, or a setting is out of range.</exception>
    /// <exception cref="PromptTooLongException">The prompt has more tokens than the model's context length (nothing is prefilled).</exception>
    IAsyncEnumerable<TextGenerationUpdate> StreamAsync(string prompt, TextGenerationRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>Generates the whole text after <paramref name="prompt"/>; see <see cref="StreamAsync"/>.</summary>
    Task<TextGenerationResult> GenerateAsync(string prompt, TextGenerationRequest? request = null, CancellationToken cancellationToken = default);
}
