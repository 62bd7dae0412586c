using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Python.Tests;

/// <summary>
/// Tiny configs of every mixer kind and model style the runtime builds (the declarations of LinearDsl.Models at toy
/// size, plus GQA, biases, an untied head, no positions and a three-kind hybrid). Lengths cross group and chunk borders.
/// </summary>
public static class ParityCases
{
    static readonly AugmentedLinearAttentionOptions Augmented = new() { GroupSize = 4, ConvTaps = 3 };

    static LinearAttentionOptions Linear(LinearFeatureMap map, bool denominator = true, int? featureDim = null)
        => new() { FeatureMap = map, Denominator = denominator, FeatureDim = featureDim, ChunkSize = 4, Seed = 5 };

    static ModelConfig Llama(MixerSpec mixer, int layers = 2) => new()
    {
        VocabSize = 64, Width = 16, Layers = layers, ContextLength = 32, MlpHidden = 24, Mixer = mixer,
        TieEmbeddings = true, InitializerRange = 0.1,
    };

    static ModelConfig Gpt2(MixerSpec mixer) => Llama(mixer) with
    {
        Norm = NormKind.LayerNorm, Positions = PositionKind.Learned, Mlp = MlpKind.Gelu, AttentionBias = true, TieEmbeddings = false,
    };

    public static IReadOnlyDictionary<string, ModelConfig> All { get; } = new SortedDictionary<string, ModelConfig>(StringComparer.Ordinal)
    {
        ["augmented"] = Llama(MixerSpec.AugmentedLinear(4, Augmented, kvHeads: 2)),
        ["augmented-gpt2"] = Gpt2(MixerSpec.AugmentedLinear(2, Augmented)),
        ["flash-style"] = Llama(MixerSpec.AugmentedLinear(2, Augmented with { Conv = false })),
        ["local-conv"] = Llama(MixerSpec.AugmentedLinear(2, Augmented with { Global = false, ConvTaps = 1 })),
        ["augmented-gla"] = Llama(MixerSpec.AugmentedLinear(4, Augmented with { Gate = GateKind.Gla, GateTemperature = 4 }, kvHeads: 2)),
        ["elu"] = Llama(MixerSpec.LinearAttention(2, Linear(LinearFeatureMap.EluPlusOne))),
        ["relu"] = Llama(MixerSpec.LinearAttention(2, Linear(LinearFeatureMap.Relu))),
        ["performer"] = Llama(MixerSpec.LinearAttention(2, Linear(LinearFeatureMap.Performer, featureDim: 12))),
        ["hedgehog"] = Llama(MixerSpec.LinearAttention(2, Linear(LinearFeatureMap.Hedgehog))),
        ["t2r-gqa"] = Llama(MixerSpec.LinearAttention(4, Linear(LinearFeatureMap.T2R, denominator: false), kvHeads: 2)),
        ["elu-no-positions"] = Llama(MixerSpec.LinearAttention(2, Linear(LinearFeatureMap.EluPlusOne))) with { Positions = PositionKind.None },
        ["softmax-gqa-bias"] = Llama(MixerSpec.Softmax(4, kvHeads: 2)) with { AttentionBias = true, TieEmbeddings = false },
        ["softmax-gpt2"] = Gpt2(MixerSpec.Softmax(2)),
        // Deliberate leaks (parallel form only): a centred conv, an unmasked local block, the inclusive global prefix.
        ["leaky-augmented"] = Llama(MixerSpec.AugmentedLinear(2, Augmented with { ConvPadding = ConvPadding.Centered, CausalLocal = false, InclusiveGlobalPrefix = true })),
        ["bidirectional-softmax"] = Llama(MixerSpec.Softmax(2, bidirectional: true)),
        ["retnet-gqa"] = Llama(MixerSpec.Of(4, new RetNetOptions { ChunkSize = 4 }, kvHeads: 2)),
        ["gla-gqa"] = Llama(MixerSpec.Of(4, new GlaOptions { ChunkSize = 4, GateTemperature = 4 }, kvHeads: 2)),
        ["mamba2-no-norm"] = Llama(MixerSpec.Of(4, new Mamba2Options { ChunkSize = 4, OutputNorm = false }, kvHeads: 2)),
        ["mamba2"] = Llama(MixerSpec.Of(2, new Mamba2Options { ChunkSize = 4, NormEps = 1e-3 })),
        ["deltanet-gqa"] = Llama(MixerSpec.Of(4, new DeltaNetOptions { ChunkSize = 4, NormEps = 1e-3 }, kvHeads: 2)),
        ["hybrid"] = Llama(MixerSpec.AugmentedLinear(2, Augmented), layers: 3) with
        {
            LayerMixers = new Dictionary<int, MixerSpec> { [0] = MixerSpec.Softmax(2), [2] = MixerSpec.LinearAttention(4, Linear(LinearFeatureMap.Hedgehog), kvHeads: 1) },
        },
    };

    public static TheoryData<string, string> Names()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in All.Keys)
            foreach (string dtype in new[] { "float32", "float64" }) data.Add(name, dtype);
        return data;
    }
}
