namespace LinearDsl.Runtime.Tokenization;

/// <summary>Creates the built-in tokenizers by name (the name a model's configuration or the command line gives).</summary>
public static class TextTokenizers
{
    /// <summary>The text of the end-of-text special token, shared by GPT-2 and <see cref="ByteTokenizer"/>.</summary>
    public const string EndOfTextToken = "<|endoftext|>";

    /// <summary>Every name <see cref="Create"/> knows.</summary>
    public static IReadOnlyList<string> Names { get; } = [ByteTokenizer.PlainName, ByteTokenizer.WithEndOfTextName, Gpt2Tokenizer.TokenizerName];

    /// <summary>
    /// The tokenizer called <paramref name="name"/> (case-insensitive): "byte" (256 byte ids), "byte-eot" (256 byte
    /// ids and end-of-text 256) or "gpt2" (GPT-2 BPE, 50257 ids). The result's <see cref="ITextTokenizer.Name"/> is
    /// the canonical name, so <c>Create(tokenizer.Name)</c> gives the same tokenizer again.
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static ITextTokenizer Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            ByteTokenizer.PlainName => new ByteTokenizer(withEndOfText: false),
            ByteTokenizer.WithEndOfTextName => new ByteTokenizer(withEndOfText: true),
            Gpt2Tokenizer.TokenizerName => new Gpt2Tokenizer(),
            _ => throw new ArgumentException($"Unknown tokenizer '{name}'. Known tokenizers: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
