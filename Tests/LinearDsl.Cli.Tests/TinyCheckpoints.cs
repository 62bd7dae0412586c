using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli.Tests;

/// <summary>
/// Checkpoint directories of tiny random models (byte vocabulary of 256) in a temporary folder, deleted on dispose:
/// an augmented linear target, a smaller augmented draft, and a softmax model whose state grows with the context.
/// </summary>
public sealed class TinyCheckpoints : IDisposable
{
    public TinyCheckpoints()
    {
        Root = Path.Combine(Path.GetTempPath(), "lineardsl-cli-" + Guid.NewGuid().ToString("N"));
        Target = Save("target", Config(width: 32, layers: 2, MixerSpec.AugmentedLinear(2, Augmented)), seed: 1);
        Draft = Save("draft", Config(width: 16, layers: 1, MixerSpec.AugmentedLinear(1, Augmented)), seed: 2);
        Softmax = Save("softmax", Config(width: 32, layers: 2, MixerSpec.Softmax(2)), seed: 3);
    }

    static AugmentedLinearAttentionOptions Augmented => new() { GroupSize = 16, ConvTaps = 4 };

    /// <summary>The temporary folder.</summary>
    public string Root { get; }

    public string Target { get; }

    public string Draft { get; }

    public string Softmax { get; }

    public static ModelConfig Config(int width, int layers, MixerSpec mixer, int vocabSize = 256) => new()
    {
        VocabSize = vocabSize,
        Width = width,
        Layers = layers,
        ContextLength = 512,
        MlpHidden = 2 * width,
        Mixer = mixer,
    };

    /// <summary>Saves a model of <paramref name="config"/> into a new subfolder and returns its path.</summary>
    public string Save(string name, ModelConfig config, ulong seed)
    {
        string directory = Path.Combine(Root, name);
        using var model = ModelFactory.Create(config, seed);
        Checkpoint.Save(model, directory);
        return directory;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
