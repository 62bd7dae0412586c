using System.Text.Json.Nodes;
using LinearDsl.Runtime.Checkpoints.Gguf;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Cli.Export;

/// <summary>
/// Tokenizer files for the byte vocabulary, as a byte-level BPE without merges (the GPT-2 byte-to-character table, no
/// regex split): every byte of the text becomes its own token, id = byte value; end-of-text is 256 in a 257-token
/// vocabulary. tokenizer.json is for the fast tokenizers; vocab.json and merges.txt for GPT-2's slow one.
/// </summary>
internal static class HuggingFaceTokenizerFiles
{
    public static bool Applies(int vocabSize) => vocabSize is ByteTokenizer.ByteIdCount or ByteTokenizer.ByteIdCount + 1;

    /// <summary>File name -> text of every tokenizer file.</summary>
    public static IReadOnlyDictionary<string, string> For(int vocabSize, int contextLength)
    {
        bool endOfText = vocabSize == ByteTokenizer.ByteIdCount + 1;
        var vocabulary = new JsonObject();
        for (int b = 0; b < ByteTokenizer.ByteIdCount; b++) vocabulary[GgufByteVocabulary.ByteCharacter(b).ToString()] = b;
        var added = new JsonArray();
        if (endOfText)
        {
            vocabulary[TextTokenizers.EndOfTextToken] = ByteTokenizer.ByteIdCount;
            added.Add(new JsonObject
            {
                ["id"] = ByteTokenizer.ByteIdCount, ["content"] = TextTokenizers.EndOfTextToken, ["single_word"] = false,
                ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        }
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocabulary.DeepClone(), ["merges"] = new JsonArray(),
            },
        };
        var tokenizerConfig = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["model_max_length"] = contextLength,
            ["add_bos_token"] = false,
            ["add_eos_token"] = false,
            ["add_prefix_space"] = false,
            ["clean_up_tokenization_spaces"] = false,
        };
        var specials = new JsonObject();
        if (endOfText)
        {
            foreach (string role in new[] { "bos_token", "eos_token", "unk_token" })
            {
                tokenizerConfig[role] = TextTokenizers.EndOfTextToken;
                specials[role] = TextTokenizers.EndOfTextToken;
            }
        }
        return new Dictionary<string, string>
        {
            ["tokenizer.json"] = Indented(tokenizer),
            ["tokenizer_config.json"] = Indented(tokenizerConfig),
            ["special_tokens_map.json"] = Indented(specials),
            ["vocab.json"] = Indented(vocabulary),
            ["merges.txt"] = "#version: 0.2\n",
        };
    }

    static string Indented(JsonNode node) => node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
}
