using System.Text.Json;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Cli;

/// <summary>
/// Loads encoder and seq2seq checkpoints for the commands that need them, after reading the architecture from
/// config.json, so that a checkpoint of the wrong kind is one line naming the command that takes it.
/// </summary>
public static class ArchitectureCheckpoints
{
    /// <summary>The architecture config.json of the checkpoint in <paramref name="directory"/> declares.</summary>
    /// <exception cref="CliException">The directory or one of its files does not exist.</exception>
    public static ModelArchitecture Read(string directory, string option)
    {
        if (!Directory.Exists(directory)) throw new CliException($"checkpoint directory '{directory}' ({option}) does not exist.");
        foreach (var name in new[] { Checkpoint.ConfigFileName, Checkpoint.WeightsFileName })
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
                throw new CliException($"'{path}' ({option}) is missing: a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}.");
        }
        return ModelConfigJson.Read(Path.Combine(directory, Checkpoint.ConfigFileName)).Architecture;
    }

    /// <summary>Loads the encoder in <paramref name="directory"/> for <paramref name="command"/>.</summary>
    /// <exception cref="CliException">The checkpoint is missing or not an encoder.</exception>
    public static EncoderModel LoadEncoder(string directory, string option, string command)
    {
        if (Directory.Exists(directory) && !IsLinearDslCheckpoint(directory)) return HuggingFaceCheckpoint.LoadEncoder(directory);
        var architecture = Read(directory, option);
        if (architecture != ModelArchitecture.Encoder)
            throw new CliException($"'{directory}' holds {Describe(architecture)}; {command} needs an encoder checkpoint (config.json \"architecture\": \"encoder\"){Hint(architecture)}.");
        return Checkpoint.LoadEncoder(directory);
    }

    /// <summary>Throws unless the checkpoint in <paramref name="directory"/> is a causal LM; <paramref name="instead"/> says what to do.</summary>
    /// <exception cref="CliException">It is an encoder or an encoder-decoder (or missing).</exception>
    public static void RequireCausal(string directory, string option, string instead)
    {
        var architecture = Read(directory, option);
        if (architecture != ModelArchitecture.CausalLM)
            throw new CliException($"'{directory}' ({option}) holds {Describe(architecture)}; {instead}.");
    }

    /// <summary>
    /// The tokenizer of an encoder: the one named, else BERT's WordPiece when <paramref name="directory"/> holds a
    /// vocab.txt, else the one its text vocabulary implies. The mask token sits above the text ids of a byte encoder
    /// (257 ids, 256 being [MASK]), so that text vocabulary stops below it; WordPiece counts [MASK] among its own ids.
    /// </summary>
    public static ITextTokenizer EncoderTokenizer(string? name, ModelConfig config, string directory)
    {
        bool wordPiece = name is null ? File.Exists(Path.Combine(directory, WordPieceTextTokenizer.VocabularyFileName))
            : string.Equals(name.Trim(), WordPieceTextTokenizer.TokenizerName, StringComparison.OrdinalIgnoreCase);
        if (wordPiece)
        {
            var tokenizer = WordPieceTextTokenizer.FromFolder(directory);
            if (tokenizer.VocabSize != config.VocabSize)
                throw new CliException($"'{directory}' holds a vocab.txt of {tokenizer.VocabSize} tokens but the encoder has {config.VocabSize}; they belong to different models.");
            return tokenizer;
        }
        int textVocabulary = config.MaskTokenId == config.VocabSize - 1 ? config.VocabSize - 1 : config.VocabSize;
        return TokenizerChoice.Create(name ?? TokenizerChoice.ForVocabulary(textVocabulary), textVocabulary);
    }

    /// <summary>Whether config.json is ours (it carries format_version) rather than a Hugging Face one (model_type).</summary>
    /// <exception cref="CliException">config.json is missing or not valid JSON.</exception>
    public static bool IsLinearDslCheckpoint(string directory)
    {
        string path = Path.Combine(directory, Checkpoint.ConfigFileName);
        if (!File.Exists(path)) throw new CliException($"'{path}' is missing: give a Hugging Face model folder or a checkpoint directory.");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("format_version", out _);
        }
        catch (JsonException e)
        {
            throw new CliException($"'{path}' is not valid JSON ({e.Message}).");
        }
    }

    /// <summary>"a causal LM (config.json without an architecture)" and the like.</summary>
    public static string Describe(ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Encoder => "an encoder (config.json \"architecture\": \"encoder\")",
        ModelArchitecture.Seq2Seq => "an encoder-decoder (config.json \"architecture\": \"seq2seq\")",
        _ => "a causal LM (config.json without an \"architecture\")",
    };

    /// <summary>Which command takes a checkpoint of <paramref name="architecture"/>.</summary>
    static string Hint(ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Seq2Seq => $"; give it to `{LineardslApp.Name} generate --target DIR` instead",
        ModelArchitecture.CausalLM => $"; give it to `{LineardslApp.Name} generate` instead",
        _ => "",
    };
}
