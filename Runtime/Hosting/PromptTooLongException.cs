namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// A prompt longer than the model's context length (the longest sequence it was built and trained for): refused
/// before it is prefilled, because its prefill time and memory grow with it while its tokens past the context would
/// not be read as the model learned to read them.
/// </summary>
public sealed class PromptTooLongException : ArgumentException
{
    /// <summary>Creates the exception for a prompt of <paramref name="tokens"/> tokens against a limit of <paramref name="limit"/>.</summary>
    public PromptTooLongException(long tokens, int limit)
        : base($"The prompt is {tokens:N0} tokens, more than the model's context of {limit:N0} tokens; shorten it.", "prompt")
    {
        Tokens = tokens;
        Limit = limit;
    }

    /// <summary>Tokens of the prompt.</summary>
    public long Tokens { get; }

    /// <summary>The model's context length.</summary>
    public int Limit { get; }
}
