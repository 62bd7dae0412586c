using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>Tiny float64 target/draft pairs with random weights: exactness needs no training.</summary>
public static class DecodingModels
{
    public const int Vocab = 32;

    public static TheoryData<string> Pairs() => new() { "linear", "softmax", "hybrid", "self" };

    /// <summary>A target and a draft. "self" uses the target as its own draft (every proposal accepted).</summary>
    public static (CausalLanguageModel Target, CausalLanguageModel Draft) Create(string pair)
    {
        var augmented = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3, AlphaInit = 0.7 });
        var softmax = MixerSpec.Softmax(2);
        ModelConfig Config(int width, int layers, MixerSpec mixer, IReadOnlyDictionary<int, MixerSpec>? overrides = null) => new()
        {
            VocabSize = Vocab, Width = width, Layers = layers, ContextLength = 64, MlpHidden = 2 * width, Mixer = mixer,
            LayerMixers = overrides ?? new Dictionary<int, MixerSpec>(),
        };
        var (target, draft) = pair switch
        {
            "linear" => (Config(16, 2, augmented), Config(8, 1, augmented)),
            "softmax" => (Config(16, 2, softmax), Config(8, 1, softmax)),
            "hybrid" => (Config(16, 2, augmented, new Dictionary<int, MixerSpec> { [0] = softmax }), Config(8, 1, augmented)),
            "self" => (Config(16, 2, augmented), null),
            _ => throw new ArgumentException(pair),
        };
        var targetModel = ModelFactory.Create(target, seed: 1, ScalarType.Float64);
        Sharpen(targetModel);
        if (draft is null) return (targetModel, targetModel);
        var draftModel = ModelFactory.Create(draft, seed: 2, ScalarType.Float64);
        Sharpen(draftModel);
        return (targetModel, draftModel);
    }

    /// <summary>Scales the output head so that random models have peaked, clearly different distributions.</summary>
    public static void Sharpen(CausalLanguageModel model, double factor = 30)
    {
        using var _ = no_grad();
        (model.OutputHead?.weight ?? model.TokenEmbedding.weight!).mul_(factor);
    }

    public static IReadOnlyList<IReadOnlyList<long>> Prompts(int batch, int seed = 5)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, batch).Select(b => (IReadOnlyList<long>)Enumerable.Range(0, 3 + 2 * b).Select(_ => (long)random.Next(Vocab)).ToArray()).ToArray();
    }
}
