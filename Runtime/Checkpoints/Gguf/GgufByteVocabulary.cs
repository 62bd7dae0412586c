using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>
/// The byte vocabulary as a GPT-2-style byte-level BPE vocabulary without merges, which llama.cpp tokenizes into
/// exactly the bytes of the text: token i (0..255) is byte i, spelled with GPT-2's byte-to-character table; a
/// 257-token vocabulary adds "&lt;|endoftext|&gt;" at 256 as a control token.
/// </summary>
internal static class GgufByteVocabulary
{
    /// <summary>llama.cpp's token types.</summary>
    const int Normal = 1, Control = 3;

    public static void AddTo(GgufWriter writer, int vocabSize)
    {
        var tokens = new List<string>(vocabSize);
        var types = new List<int>(vocabSize);
        for (int b = 0; b < ByteTokenizer.ByteIdCount; b++)
        {
            tokens.Add(ByteCharacter(b).ToString());
            types.Add(Normal);
        }
        // With an end-of-text token it begins and ends a sequence; without one, NUL (never in text) takes that role,
        // because llama.cpp always has bos and eos ids and would otherwise pick byte 11 (vertical tab).
        int endOfText = 0;
        if (vocabSize == ByteTokenizer.ByteIdCount + 1)
        {
            endOfText = tokens.Count;
            tokens.Add(TextTokenizers.EndOfTextToken);
            types.Add(Control);
        }
        writer.Add("tokenizer.ggml.model", GgufValue.String("gpt2"));
        writer.Add("tokenizer.ggml.pre", GgufValue.String("default"));
        writer.Add("tokenizer.ggml.tokens", GgufValue.Strings(tokens));
        writer.Add("tokenizer.ggml.token_type", GgufValue.Int32s(types));
        writer.Add("tokenizer.ggml.merges", GgufValue.Strings([]));
        writer.Add("tokenizer.ggml.bos_token_id", GgufValue.UInt32((uint)endOfText));
        writer.Add("tokenizer.ggml.eos_token_id", GgufValue.UInt32((uint)endOfText));
        writer.Add("tokenizer.ggml.add_bos_token", GgufValue.Bool(false));
        writer.Add("tokenizer.ggml.add_eos_token", GgufValue.Bool(false));
    }

    /// <summary>GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for 256, 257, ... in byte order.</summary>
    internal static char ByteCharacter(int value)
    {
        static bool Printable(int b) => b is >= '!' and <= '~' or >= '\u00a1' and <= '\u00ac' or >= '\u00ae' and <= '\u00ff';
        if (Printable(value)) return (char)value;
        int skipped = 0;
        for (int b = 0; b < value; b++)
            if (!Printable(b)) skipped++;
        return (char)(256 + skipped);
    }
}
