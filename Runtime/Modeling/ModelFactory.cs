using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Builds a <see cref="CausalLanguageModel"/> from a <see cref="ModelConfig"/>.</summary>
public static class ModelFactory
{
    /// <summary>
    /// Validates <paramref name="config"/> and builds its model: embeddings and linear weights drawn from
    /// N(0, initializer_range) with a generator seeded by <paramref name="seed"/> (so a seed gives the same weights on
    /// every run), norms at unit scale, mixer parameters at their own initial values (alpha 0, zero conv kernel).
    /// Layers with the same head size share one rotary embedding, which the model disposes. The model gets its decode
    /// program (<see cref="Fused.DecodePrograms.For"/>), which Step, Verify and short prefills run on the CPU in
    /// float32 and float64. Medusa heads (<see cref="ModelConfig.MedusaHeads"/>) start at zero weights.
    /// </summary>
    /// <exception cref="InvalidModelConfigException">The config is invalid.</exception>
    /// <exception cref="ModelTooLargeException">Its weights would not fit in memory (checked before anything is allocated).</exception>
    public static CausalLanguageModel Create(ModelConfig config, ulong seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ModelMemory.EnsureFits(config, dtype);
        var rotaries = new Dictionary<int, RotaryEmbedding>();
        var blocks = new List<DecoderBlock>();
        CausalLanguageModel model;
        try
        {
            for (int layer = 0; layer < config.Layers; layer++)
            {
                var spec = config.MixerFor(layer);
                int headDim = config.Width / spec.Heads;
                RotaryEmbedding? rotary = null;
                if (config.Positions == PositionKind.Rotary && !rotaries.TryGetValue(headDim, out rotary))
                    rotaries[headDim] = rotary = new RotaryEmbedding(headDim, config.RopeTheta);
                var attention = new AttentionLayer(config.Width, CreateMixer(spec, headDim, rotary, config.ContextLength), config.AttentionBias);
                blocks.Add(new DecoderBlock(Norm.Create(config.Norm, config.Width, config.NormEps), attention,
                    Norm.Create(config.Norm, config.Width, config.NormEps), Mlp.Create(config.Mlp, config.Width, config.MlpHidden)));
            }
            model = new CausalLanguageModel(config.VocabSize, config.Width, blocks, Norm.Create(config.Norm, config.Width, config.NormEps),
                positionTableLength: config.Positions == PositionKind.Learned ? config.ContextLength : null,
                tieEmbeddings: config.TieEmbeddings, config: config, ownedResources: rotaries.Values,
                medusaHeads: config.MedusaHeads is { } heads ? new MedusaHeads(heads, config.Width) : null);
        }
        catch
        {
            foreach (var block in blocks) block.Dispose();
            foreach (var rotary in rotaries.Values) rotary.Dispose();
            throw;
        }
        Initialize(model, config.InitializerRange, seed);
        // Medusa heads start as the identity (Medusa-1): an untrained head repeats the next-token distribution.
        model.Medusa?.ResetToIdentity();
        if (dtype != ScalarType.Float32) model.to(dtype);
        if (device is not null) model.to(device);
        model.UseDecodeProgram(Fused.DecodePrograms.For(config));
        return model;
    }

    /// <summary>The mixer of one layer: its kind's options build it.</summary>
    static TokenMixer CreateMixer(MixerSpec spec, int headDim, RotaryEmbedding? rotary, int contextLength)
        => spec.Options.CreateMixer(new MixerGeometry(spec.Heads, headDim, spec.KvHeads), rotary, contextLength);

    /// <summary>N(0, range) for embeddings and linear weights, zero biases, in module order from one seeded generator.</summary>
    static void Initialize(CausalLanguageModel model, double range, ulong seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(seed);
        foreach (var module in model.modules())
        {
            switch (module)
            {
                // In TorchSharp 0.107 Embedding.weight returns a new wrapper handle on every access (free it), while
                // Linear.weight returns the module's own parameter (never dispose that one).
                case Embedding embedding:
                    using (var weight = embedding.weight!) Normal(weight, range, generator);
                    break;
                case Linear linear:
                    Normal(linear.weight!, range, generator);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
            }
        }
    }

    /// <summary>Fills <paramref name="weight"/> from N(0, std). (nn.init.normal_ does not honour its generator argument in TorchSharp 0.107.)</summary>
    static void Normal(Tensor weight, double std, Generator generator)
        => weight.copy_(randn(weight.shape, weight.dtype, weight.device, generator: generator).mul_(std));
}
