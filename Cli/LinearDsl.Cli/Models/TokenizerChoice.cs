using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Cli;

/// <summary>Picks the tokenizer of a model: the one named on the command line, else the one its vocabulary size implies.</summary>
public static class TokenizerChoice
{
    /// <summary>The tokenizer a vocabulary size implies: 256 byte, 257 byte-eot, 50257 gpt2; null for any other size.</summary>
    public static string? ForVocabulary(int vocabSize) => vocabSize switch
    {
        256 => ByteTokenizer.PlainName,
        257 => ByteTokenizer.WithEndOfTextName,
        50257 => Gpt2Tokenizer.TokenizerName,
        _ => null,
    };

    /// <summary>The tokenizer for a model with <paramref name="vocabSize"/> ids; <paramref name="name"/> overrides the guess.</summary>
    /// <exception cref="CliException">The name is unknown, no tokenizer fits the size, or the tokenizer has more ids than the model.</exception>
    public static ITextTokenizer Create(string? name, int vocabSize)
    {
        string chosen = name ?? ForVocabulary(vocabSize) ?? throw new CliException(
            $"cannot tell the tokenizer of a model with {vocabSize} tokens; pass --tokenizer {string.Join("|", TextTokenizers.Names)}.");
        if (!TextTokenizers.Names.Contains(chosen.Trim().ToLowerInvariant()))
            throw new CliException($"unknown tokenizer '{chosen}'; use one of {string.Join(", ", TextTokenizers.Names)}.");
        var tokenizer = TextTokenizers.Create(chosen);
        if (tokenizer.VocabSize > vocabSize)
            throw new CliException($"the tokenizer '{tokenizer.Name}' has {tokenizer.VocabSize} ids but the model only {vocabSize}; pass a --tokenizer that fits.");
        return tokenizer;
    }
}
