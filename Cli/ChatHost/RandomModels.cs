using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Samples.ChatHost;

/// <summary>
/// Tiny models with random weights, used when no checkpoint is configured: they exercise the whole pipeline
/// (tokenizer, speculative decoding, streaming, statistics) but their text is noise.
/// </summary>
internal static class RandomModels
{
    public static CausalLanguageModel Target(int vocabSize) => ModelFactory.Create(Config(vocabSize, width: 64, layers: 2), seed: 1);

    public static CausalLanguageModel Draft(int vocabSize) => ModelFactory.Create(Config(vocabSize, width: 32, layers: 1), seed: 2);

    static ModelConfig Config(int vocabSize, int width, int layers) => new()
    {
        VocabSize = vocabSize,
        Width = width,
        Layers = layers,
        ContextLength = 1024,
        MlpHidden = 4 * width,
        Mixer = MixerSpec.AugmentedLinear(width / 32, new AugmentedLinearAttentionOptions { GroupSize = 16, ConvTaps = 4 }),
    };
}
