using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Python.Tests;

/// <summary>Tiny softmax checkpoints of both exportable styles and one augmented checkpoint, in a temporary folder deleted on dispose.</summary>
public sealed class ExportCheckpoints : IDisposable
{
    public ExportCheckpoints()
    {
        Root = Path.Combine(Path.GetTempPath(), "lineardsl-export-hf-" + Guid.NewGuid().ToString("N"));
        // LLaMA: GQA, separate head, end-of-text vocabulary, float64.
        Llama = Save("llama", new ModelConfig
        {
            VocabSize = 257, Width = 16, Layers = 2, ContextLength = 32, MlpHidden = 24, Mixer = MixerSpec.Softmax(4, kvHeads: 2),
            NormEps = 1e-6, RopeTheta = 5000, InitializerRange = 0.1,
        }, ScalarType.Float64);
        Gpt2 = Save("gpt2", Gpt2Config(bias: true), ScalarType.Float32);
        Gpt2WithoutBias = Save("gpt2-no-bias", Gpt2Config(bias: false), ScalarType.Float32);
        Augmented = Save("augmented", new ModelConfig
        {
            VocabSize = 256, Width = 16, Layers = 1, ContextLength = 32, MlpHidden = 24,
            Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }),
        }, ScalarType.Float32);
    }

    static ModelConfig Gpt2Config(bool bias) => new()
    {
        VocabSize = 256, Width = 16, Layers = 2, ContextLength = 32, MlpHidden = 40, Mixer = MixerSpec.Softmax(2),
        Norm = NormKind.LayerNorm, Positions = PositionKind.Learned, Mlp = MlpKind.Gelu, AttentionBias = bias, TieEmbeddings = true,
        InitializerRange = 0.1,
    };

    public string Root { get; }

    public string Llama { get; }

    public string Gpt2 { get; }

    public string Gpt2WithoutBias { get; }

    public string Augmented { get; }

    /// <summary>Saves a model whose norms and biases are random too (they start at one and zero).</summary>
    string Save(string name, ModelConfig config, ScalarType dtype)
    {
        string directory = Path.Combine(Root, name);
        using var model = ModelFactory.Create(config, seed: 11, dtype);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            using var generator = new Generator(12);
            foreach (var (key, parameter) in model.named_parameters())
                if (key.Contains("norm", StringComparison.Ordinal) || key.EndsWith(".bias", StringComparison.Ordinal))
                    parameter.add_(randn(parameter.shape, ScalarType.Float64, generator: generator).mul(0.1).to_type(dtype));
        }
        Checkpoint.Save(model, directory);
        return directory;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
