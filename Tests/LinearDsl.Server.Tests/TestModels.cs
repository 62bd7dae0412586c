using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Server.Tests;

/// <summary>
/// Tiny float64 models over the "byte-eot" vocabulary (random weights: exactness needs no training). Their output head
/// never prefers a byte above 127, so replies are ASCII and re-encode to the same tokens (conversation cache hits).
/// </summary>
public static class TestModels
{
    public const int Vocab = 257;

    public static CausalLanguageModel Target() => Create(Config(width: 16, layers: 2), seed: 1);

    public static CausalLanguageModel Draft() => Create(Config(width: 8, layers: 1), seed: 2);

    static ModelConfig Config(int width, int layers) => new()
    {
        VocabSize = Vocab,
        Width = width,
        Layers = layers,
        ContextLength = 4096,
        MlpHidden = 2 * width,
        Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3, AlphaInit = 0.7 }),
    };

    static CausalLanguageModel Create(ModelConfig config, ulong seed)
    {
        var model = ModelFactory.Create(config, seed, ScalarType.Float64);
        using var _ = no_grad();
        var head = model.OutputHead?.weight ?? model.TokenEmbedding.weight!;
        head.mul_(10);
        // Bytes 128..255 get logit 0 while the others spread far around it: the argmax is ASCII or end of text.
        head[TensorIndex.Slice(128, 256)].zero_();
        return model;
    }
}
