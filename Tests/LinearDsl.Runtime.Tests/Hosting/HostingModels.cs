using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Decoding;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>Tiny float64 models over byte vocabularies, for the hosting tests (random weights: exactness needs no training).</summary>
public static class HostingModels
{
    /// <summary>The vocabulary of the "byte-eot" tokenizer: 256 bytes and end-of-text 256.</summary>
    public const int ByteEotVocab = 257;

    public static ModelConfig Config(int vocab = ByteEotVocab, int width = 16, int layers = 2) => new()
    {
        VocabSize = vocab,
        Width = width,
        Layers = layers,
        ContextLength = 256,
        MlpHidden = 2 * width,
        Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3, AlphaInit = 0.7 }),
    };

    /// <summary>A target model (width 16, two layers).</summary>
    public static CausalLanguageModel Target(int vocab = ByteEotVocab, ulong seed = 1) => Create(Config(vocab), seed);

    /// <summary>A smaller draft model (width 8, one layer) over the same vocabulary.</summary>
    public static CausalLanguageModel Draft(int vocab = ByteEotVocab, ulong seed = 2) => Create(Config(vocab, width: 8, layers: 1), seed);

    static CausalLanguageModel Create(ModelConfig config, ulong seed)
    {
        var model = ModelFactory.Create(config, seed, ScalarType.Float64);
        DecodingModels.Sharpen(model, factor: 10);
        return model;
    }
}
