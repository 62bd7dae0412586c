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
        RefuseOtherArchitecture(config, ModelArchitecture.CausalLM);
        ModelMemory.EnsureFits(config, dtype);
        var rotaries = new Dictionary<int, RotaryEmbedding>();
        var blocks = new List<DecoderBlock>();
        CausalLanguageModel model;
        try
        {
            blocks.AddRange(Blocks(config, config.Layers, config.MixerFor, rotaries));
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

    /// <summary>
    /// Validates <paramref name="config"/> (architecture encoder) and builds its <see cref="EncoderModel"/>, initialised
    /// as <see cref="Create"/> initialises a causal LM (same seed, same weights for the same layout).
    /// </summary>
    /// <exception cref="InvalidModelConfigException">The config is invalid, or not an encoder's.</exception>
    /// <exception cref="ModelTooLargeException">Its weights would not fit in memory (checked before anything is allocated).</exception>
    public static EncoderModel CreateEncoder(ModelConfig config, ulong seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        RefuseOtherArchitecture(config, ModelArchitecture.Encoder);
        ModelMemory.EnsureFits(config, dtype);
        var rotaries = new Dictionary<int, RotaryEmbedding>();
        var blocks = new List<nn.Module<Tensor, Tensor>>();
        EncoderModel model;
        try
        {
            if (config.NormPlacement == NormPlacement.Post) blocks.AddRange(PostNormBlocks(config, rotaries));
            else blocks.AddRange(Blocks(config, config.Layers, config.MixerFor, rotaries));
            model = new EncoderModel(config, blocks, rotaries.Values);
        }
        catch
        {
            foreach (var block in blocks) block.Dispose();
            foreach (var rotary in rotaries.Values) rotary.Dispose();
            throw;
        }
        return Finish(model, config, seed, dtype, device);
    }

    /// <summary>
    /// Validates <paramref name="config"/> (architecture seq2seq) and builds its <see cref="Seq2SeqModel"/>: the encoder
    /// stack from <see cref="ModelConfig.Encoder"/>, the decoder stack from the top-level layers and mixers, each decoder
    /// block with the <see cref="ModelConfig.CrossAttention"/>; initialised as <see cref="Create"/> does.
    /// </summary>
    /// <exception cref="InvalidModelConfigException">The config is invalid, or not a seq2seq model's.</exception>
    /// <exception cref="ModelTooLargeException">Its weights would not fit in memory (checked before anything is allocated).</exception>
    public static Seq2SeqModel CreateSeq2Seq(ModelConfig config, ulong seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        RefuseOtherArchitecture(config, ModelArchitecture.Seq2Seq);
        ModelMemory.EnsureFits(config, dtype);
        var rotaries = new Dictionary<int, RotaryEmbedding>();
        var modules = new List<nn.Module>();
        Seq2SeqModel model;
        try
        {
            var encoder = Blocks(config, config.Encoder!.Layers, config.Encoder.MixerFor, rotaries).ToList();
            modules.AddRange(encoder);
            var decoder = new List<Seq2SeqDecoderBlock>();
            for (int layer = 0; layer < config.Layers; layer++)
            {
                var block = new Seq2SeqDecoderBlock(config, Attention(config, config.MixerFor(layer), rotaries), new CrossAttention(config.Width, config.CrossAttention!, config.AttentionBias));
                modules.Add(block);
                decoder.Add(block);
            }
            model = new Seq2SeqModel(config, encoder, decoder, rotaries.Values);
        }
        catch
        {
            foreach (var module in modules) module.Dispose();
            foreach (var rotary in rotaries.Values) rotary.Dispose();
            throw;
        }
        return Finish(model, config, seed, dtype, device);
    }

    static T Finish<T>(T model, ModelConfig config, ulong seed, ScalarType dtype, Device? device) where T : nn.Module
    {
        Initialize(model, config.InitializerRange, seed);
        if (dtype != ScalarType.Float32) model.to(dtype);
        if (device is not null) model.to(device);
        return model;
    }

    static void RefuseOtherArchitecture(ModelConfig config, ModelArchitecture wanted)
    {
        if (config.Architecture == wanted) return;
        string method = config.Architecture switch
        {
            ModelArchitecture.Encoder => "ModelFactory.CreateEncoder",
            ModelArchitecture.Seq2Seq => "ModelFactory.CreateSeq2Seq",
            _ => "ModelFactory.Create",
        };
        throw new InvalidModelConfigException([$"This config describes architecture {config.Architecture}, not {wanted}; build it with {method}."]);
    }

    /// <summary>An encoder's post-norm (BERT) blocks, sharing one rotary embedding per head size.</summary>
    static List<PostNormBlock> PostNormBlocks(ModelConfig config, Dictionary<int, RotaryEmbedding> rotaries)
    {
        var blocks = new List<PostNormBlock>();
        try
        {
            for (int layer = 0; layer < config.Layers; layer++)
            {
                blocks.Add(new PostNormBlock(Attention(config, config.MixerFor(layer), rotaries), Norm.Create(config.Norm, config.Width, config.NormEps),
                    Mlp.Create(config.Mlp, config.Width, config.MlpHidden), Norm.Create(config.Norm, config.Width, config.NormEps)));
            }
        }
        catch
        {
            foreach (var block in blocks) block.Dispose();
            throw;
        }
        return blocks;
    }

    /// <summary>Pre-norm blocks of one stack, sharing one rotary embedding per head size.</summary>
    static List<DecoderBlock> Blocks(ModelConfig config, int layers, Func<int, MixerSpec> mixerFor, Dictionary<int, RotaryEmbedding> rotaries)
    {
        var blocks = new List<DecoderBlock>();
        try
        {
            for (int layer = 0; layer < layers; layer++)
            {
                blocks.Add(new DecoderBlock(Norm.Create(config.Norm, config.Width, config.NormEps), Attention(config, mixerFor(layer), rotaries),
                    Norm.Create(config.Norm, config.Width, config.NormEps), Mlp.Create(config.Mlp, config.Width, config.MlpHidden)));
            }
        }
        catch
        {
            foreach (var block in blocks) block.Dispose();
            throw;
        }
        return blocks;
    }

    static AttentionLayer Attention(ModelConfig config, MixerSpec spec, Dictionary<int, RotaryEmbedding> rotaries)
    {
        int headDim = config.Width / spec.Heads;
        RotaryEmbedding? rotary = null;
        if (config.Positions == PositionKind.Rotary && !rotaries.TryGetValue(headDim, out rotary))
            rotaries[headDim] = rotary = new RotaryEmbedding(headDim, config.RopeTheta);
        return new AttentionLayer(config.Width, CreateMixer(spec, headDim, rotary, config.ContextLength), config.AttentionBias);
    }

    /// <summary>The mixer of one layer: its kind's options build it.</summary>
    static TokenMixer CreateMixer(MixerSpec spec, int headDim, RotaryEmbedding? rotary, int contextLength)
        => spec.Options.CreateMixer(new MixerGeometry(spec.Heads, headDim, spec.KvHeads), rotary, contextLength);

    /// <summary>N(0, range) for embeddings and linear weights, zero biases, in module order from one seeded generator.</summary>
    static void Initialize(nn.Module model, double range, ulong seed)
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
