using System.Text;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli.Tests;

/// <summary>
/// A temporary folder for training tests: a small English corpus, model config files (a tiny augmented target, a
/// smaller draft, a draft with another vocabulary) and a random target checkpoint; deleted on dispose.
/// </summary>
public sealed class TrainingWorkspace : IDisposable
{
    public TrainingWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "lineardsl-cli-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Corpus = Path.Combine(Root, "corpus.txt");
        File.WriteAllText(Corpus, Text(), new UTF8Encoding(false));
        ConfigFile = WriteConfig("tiny.json", Config(width: 32, layers: 2));
        DraftConfigFile = WriteConfig("draft.json", Config(width: 16, layers: 1));
        OtherVocabularyConfigFile = WriteConfig("draft-300.json", Config(width: 16, layers: 1) with { VocabSize = 300 });
        Target = Path.Combine(Root, "target");
        using var target = ModelFactory.Create(Config(width: 32, layers: 2), seed: 5);
        Checkpoint.Save(target, Target);
    }

    public string Root { get; }

    /// <summary>About 12 KB of text.</summary>
    public string Corpus { get; }

    public string ConfigFile { get; }

    public string DraftConfigFile { get; }

    public string OtherVocabularyConfigFile { get; }

    /// <summary>A random checkpoint of the <see cref="ConfigFile"/> model (the distillation target).</summary>
    public string Target { get; }

    /// <summary>A fresh, not yet existing directory under the root.</summary>
    public string NewDirectory(string name) => Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    public static ModelConfig Config(int width, int layers) => new()
    {
        VocabSize = 256,
        Width = width,
        Layers = layers,
        ContextLength = 64,
        MlpHidden = 2 * width,
        Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 8, ConvTaps = 4 }),
    };

    /// <summary>Writes <paramref name="config"/> as config.json text to a file under the root and returns its path.</summary>
    public string WriteConfig(string name, ModelConfig config)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, ModelConfigJson.Serialize(config));
        return path;
    }

    static string Text()
    {
        var text = new StringBuilder();
        string[] words = ["the", "sea", "and", "a", "ship", "sailed", "on", "in", "light", "of", "morning", "evening", "came", "land"];
        var random = new Random(3);
        while (text.Length < 12_000)
        {
            int length = random.Next(4, 12);
            for (int i = 0; i < length; i++) text.Append(i == 0 ? "" : " ").Append(words[random.Next(words.Length)]);
            text.Append(".\n");
        }
        return text.ToString();
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
