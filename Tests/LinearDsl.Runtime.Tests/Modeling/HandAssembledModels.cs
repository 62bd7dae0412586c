using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>Models assembled by hand from the Runtime kernels, the way generated code will assemble them.</summary>
public static class HandAssembledModels
{
    /// <summary>The "hybrid" catalog model built without the factory: layer 0 softmax, layers 1-2 augmented linear, float64.</summary>
    public static CausalLanguageModel Hybrid()
    {
        var rope = new RotaryEmbedding(headDim: 6, theta: 100);
        var geometry = new MixerGeometry(heads: 2, headDim: 6);
        var options = new AugmentedLinearAttentionOptions { GroupSize = MixerCatalog.GroupSize, ConvTaps = 3 };
        DecoderBlock Block(TokenMixer mixer) => new(new RmsNorm(12), new AttentionLayer(12, mixer), new RmsNorm(12), new SwiGluMlp(12, 20));
        var blocks = new[]
        {
            Block(new SoftmaxAttention(geometry, rope, initialCapacity: 64)),
            Block(new AugmentedLinearAttention(geometry, options, rope)),
            Block(new AugmentedLinearAttention(geometry, options, rope)),
        };
        var model = new CausalLanguageModel(ModelCatalog.VocabSize, 12, blocks, new RmsNorm(12), ownedResources: [rope]);
        model.to(ScalarType.Float64);
        return model;
    }
}
