using System.Text.Json;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// The mask token id of a BERT-style folder. config.json rarely carries it (the tokenizer owns it), so it is looked up
/// where a folder keeps it: config.json "mask_token_id", then tokenizer.json's added tokens, then vocab.txt's lines.
/// </summary>
internal static class HuggingFaceMaskToken
{
    static readonly string[] Names = ["[MASK]", "<mask>"];

    public static int Find(string folder, HuggingFaceConfigReader config)
    {
        if (!config.IsNullOrAbsent("mask_token_id")) return config.Int("mask_token_id");
        return FromTokenizerJson(Path.Combine(folder, "tokenizer.json")) ?? FromVocabulary(Path.Combine(folder, "vocab.txt"))
            ?? throw config.Error("it names no mask token: config.json has no mask_token_id, and neither tokenizer.json's added_tokens nor vocab.txt holds [MASK] or <mask>; add \"mask_token_id\": N to config.json");
    }

    static int? FromTokenizerJson(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (!document.RootElement.TryGetProperty("added_tokens", out var added) || added.ValueKind != JsonValueKind.Array) return null;
            foreach (var token in added.EnumerateArray())
            {
                if (token.TryGetProperty("content", out var content) && Names.Contains(content.GetString())
                    && token.TryGetProperty("id", out var id) && id.TryGetInt32(out int value)) return value;
            }
            return null;
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {error.Message}", error);
        }
    }

    static int? FromVocabulary(string path)
    {
        if (!File.Exists(path)) return null;
        int line = 0;
        foreach (var token in File.ReadLines(path))
        {
            if (Names.Contains(token.TrimEnd('\r'))) return line;
            line++;
        }
        return null;
    }
}
