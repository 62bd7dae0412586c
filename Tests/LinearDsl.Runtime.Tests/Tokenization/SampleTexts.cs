using System.Text;

namespace LinearDsl.Runtime.Tests.Tokenization;

/// <summary>Texts that exercise every UTF-8 length, and a check that a streamed chunk holds only whole characters.</summary>
public static class SampleTexts
{
    public static readonly string[] All =
    [
        "",
        "Hello, world! 123",
        "  \t leading, trailing and\nmixed\r\n whitespace \t ",
        "café naïve façade Ærøskøbing",                    // 2-byte characters
        "日本語のテキストと中文",                            // 3-byte characters
        "price: 5 € · 10 ¥",                                // 3- and 2-byte symbols between ASCII
        "emoji 😀🚀 and 𝄞",                                 // 4-byte characters (surrogate pairs)
        "e\u0301 n\u0303 a\u030A\u0301",                     // combining sequences
        "family 👩‍👩‍👧 flag 🇫🇷 skin 👍🏽",                      // ZWJ, regional indicators, modifiers
        "mixed: ASCII é € 😀 日本 e\u0301 👩‍👩‍👧\n",
    ];

    public static TheoryData<string> Data()
    {
        var data = new TheoryData<string>();
        foreach (var text in All) data.Add(text);
        return data;
    }

    public static TheoryData<string, string> WithTokenizers()
    {
        var data = new TheoryData<string, string>();
        foreach (var tokenizer in new[] { "byte", "byte-eot", "gpt2" })
            foreach (var text in All)
                data.Add(tokenizer, text);
        return data;
    }

    /// <summary>Fails unless <paramref name="chunk"/> is well-formed UTF-16: every surrogate in a pair.</summary>
    public static void ShouldHoldWholeCharacters(string chunk, bool allowReplacementCharacter = false)
    {
        for (int i = 0; i < chunk.Length; i++)
        {
            if (char.IsHighSurrogate(chunk[i]) && i + 1 < chunk.Length && char.IsLowSurrogate(chunk[i + 1]))
            {
                i++;
                continue;
            }
            char.IsSurrogate(chunk[i]).Should().BeFalse($"chunk \"{Escape(chunk)}\" has a lone surrogate at index {i}");
        }
        if (!allowReplacementCharacter) chunk.Should().NotContain("\uFFFD", $"chunk \"{Escape(chunk)}\" comes from valid input");
    }

    public static string Escape(string text)
    {
        var builder = new StringBuilder();
        foreach (char c in text) builder.Append(c is >= ' ' and < '\x7F' ? c.ToString() : $"\\u{(int)c:X4}");
        return builder.ToString();
    }
}
