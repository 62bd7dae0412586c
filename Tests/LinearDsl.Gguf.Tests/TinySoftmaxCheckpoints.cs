using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Gguf.Tests;

/// <summary>Small random LLaMA-style checkpoints in float32, saved in a temporary directory that the fixture deletes.</summary>
public sealed class TinySoftmaxCheckpoints : IDisposable
{
    public TinySoftmaxCheckpoints()
    {
        Root = Directory.CreateTempSubdirectory("lineardsl-gguf-").FullName;
        // Multi-head attention, tied embeddings, the plain byte vocabulary.
        Tied = Save("tied", Config(MixerSpec.Softmax(4), vocab: 256, tied: true), seed: 1);
        // Grouped-query attention (4 query heads over 2 key/value heads), an output head of its own, end-of-text id 256.
        Grouped = Save("grouped", Config(MixerSpec.Softmax(4, kvHeads: 2), vocab: 257, tied: false), seed: 2);
    }

    public string Root { get; }

    public string Tied { get; }

    public string Grouped { get; }

    /// <summary>Two layers of width 64, SwiGLU 96, context 64; weights wide enough (std 0.15) that logits spread out.</summary>
    public static ModelConfig Config(MixerSpec mixer, int vocab = 256, bool tied = true) => new()
    {
        VocabSize = vocab,
        Width = 64,
        Layers = 2,
        ContextLength = 64,
        MlpHidden = 96,
        Mixer = mixer,
        TieEmbeddings = tied,
        InitializerRange = 0.15,
        RopeTheta = 10000,
        NormEps = 1e-5,
    };

    /// <summary>Saves a random model of <paramref name="config"/> with norm weights away from 1, so that every tensor matters.</summary>
    public string Save(string name, ModelConfig config, ulong seed)
    {
        string directory = Path.Combine(Root, name);
        using var model = ModelFactory.Create(config, seed);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var generator = new Generator(seed + 100);
            foreach (var (key, parameter) in model.named_parameters())
                if (key.Contains("norm", StringComparison.Ordinal)) parameter.copy_(ones_like(parameter).add(randn(parameter.shape, generator: generator).mul(0.2)));
        }
        Checkpoint.Save(model, directory);
        return directory;
    }

    /// <summary>LinearDsl's logits for <paramref name="tokens"/> at every position, computed in float64: [position][token].</summary>
    public static double[][] ReferenceLogits(string directory, long[] tokens)
    {
        using var model = Checkpoint.Load(directory, ScalarType.Float64);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(tensor(tokens).unsqueeze(0))[0];
        return Enumerable.Range(0, tokens.Length).Select(t => logits[t].data<double>().ToArray()).ToArray();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
