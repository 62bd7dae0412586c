using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.Gguf;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Benchmarks;

/// <summary>The peers benchmark's model sizes: LLaMA layouts (RMSNorm, RoPE, SwiGLU, tied embeddings, byte vocabulary), random weights.</summary>
public static class PeersSizes
{
    public static readonly string[] Names = ["bundled", "100m"];

    /// <summary>
    /// The config of <paramref name="size"/> with the mixer of <paramref name="kind"/>: "bundled" has the bundled target's
    /// dimensions (6 layers, width 256, 4 heads of 64, SwiGLU 688; augmented G = 64, K = 32 as the target); "100m" has
    /// 12 layers, width 768, 12 heads of 64 and SwiGLU 2560 (about 99 M parameters), where decoding is bound by memory
    /// bandwidth.
    /// </summary>
    public static ModelConfig Config(string size, MixerKind kind)
    {
        var (width, layers, heads, hidden) = size switch
        {
            "bundled" => (256, 6, 4, 688),
            "100m" => (768, 12, 12, 2560),
            _ => throw new ArgumentOutOfRangeException(nameof(size), size, $"The sizes are {string.Join(", ", Names)}."),
        };
        var mixer = kind == MixerKind.Softmax
            ? MixerSpec.Softmax(heads)
            : MixerSpec.AugmentedLinear(heads, new AugmentedLinearAttentionOptions { GroupSize = 64, ConvTaps = 32 });
        return new ModelConfig
        {
            VocabSize = 256,
            Width = width,
            Layers = layers,
            ContextLength = 32768,
            MlpHidden = hidden,
            Mixer = mixer,
            TieEmbeddings = true,
            RopeTheta = 10000,
            NormEps = 1e-5,
        };
    }
}

/// <summary>One engine, model and weight type of the peers benchmark, and how to start it for a size.</summary>
/// <param name="Engine">"llama.cpp" or "lineardsl".</param>
/// <param name="Model">"softmax" or "augmented".</param>
/// <param name="Weights">"f32", "q8_0" or "int8".</param>
/// <param name="Create">Starts the engine on the models of one size.</param>
public sealed record PeersVariant(string Engine, string Model, string Weights, Func<PeersModels, IPeerEngine> Create)
{
    /// <summary>"engine:model:weights", e.g. "lineardsl:augmented:f32".</summary>
    public string Id => $"{Engine}:{Model}:{Weights}";

    /// <summary>Whether an --engines entry selects this variant: its id or a prefix of it ending at a colon.</summary>
    public bool Matches(string filter) => Id == filter || Id.StartsWith(filter + ":", StringComparison.Ordinal);
}

/// <summary>Every variant the peers benchmark knows, in the order they run.</summary>
public static class PeersVariants
{
    public static readonly PeersVariant[] All =
    [
        new("llama.cpp", "softmax", "f32", m => new LlamaCppEngine(m.Gguf(GgufWeightType.F32), "f32", m.ContextTokens)),
        new("llama.cpp", "softmax", "q8_0", m => new LlamaCppEngine(m.Gguf(GgufWeightType.Q8_0), "q8_0", m.ContextTokens)),
        new("lineardsl", "softmax", "f32", m => new LinearDslEngine(m.Softmax(), "f32")),
        new("lineardsl", "augmented", "f32", m => new LinearDslEngine(m.Augmented(), "f32")),
        new("lineardsl", "softmax", "int8", m => new LinearDslEngine(Int8(m.Softmax()), "int8")),
        new("lineardsl", "augmented", "int8", m => new LinearDslEngine(Int8(m.Augmented()), "int8")),
    ];

    /// <summary>The model with its projections quantized to int8 (Q8_0 blocks), as `lineardsl quantize` writes them.</summary>
    static CausalLanguageModel Int8(CausalLanguageModel model)
    {
        model.QuantizeToInt8();
        return model;
    }
}

/// <summary>
/// The models of one size in a temporary folder: the softmax checkpoint that llama.cpp (as GGUF, exported as
/// <c>lineardsl export-gguf</c> does) and LinearDsl's softmax engine both load, so both run the same weights, and the
/// augmented model of the same dimensions. The folder is deleted on Dispose.
/// </summary>
public sealed class PeersModels : IDisposable
{
    const ulong Seed = 1;
    readonly string _root;
    readonly string _softmax;
    readonly Dictionary<GgufWeightType, string> _gguf = [];

    public PeersModels(string size, long contextTokens)
    {
        Size = size;
        ContextTokens = checked((int)contextTokens);
        _root = Directory.CreateTempSubdirectory("lineardsl-peers-").FullName;
        _softmax = Path.Combine(_root, "softmax");
        using var model = ModelFactory.Create(PeersSizes.Config(size, MixerKind.Softmax), Seed);
        Checkpoint.Save(model, _softmax);
        Parameters = model.parameters().Sum(p => p.NumberOfElements);
    }

    public string Size { get; }

    /// <summary>The context window llama.cpp reserves: every token a sequence of this run reaches.</summary>
    public int ContextTokens { get; }

    /// <summary>Parameters of the softmax model (the augmented one has a few more: alpha and conv kernels).</summary>
    public long Parameters { get; }

    /// <summary>The softmax checkpoint as a GGUF file of <paramref name="type"/>, exported on first use.</summary>
    public string Gguf(GgufWeightType type)
    {
        if (!_gguf.TryGetValue(type, out var path))
        {
            path = Path.Combine(_root, $"softmax-{type.ToString().ToLowerInvariant()}.gguf");
            GgufExport.Export(_softmax, path, type);
            _gguf[type] = path;
        }
        return path;
    }

    /// <summary>LinearDsl's softmax model: the exported checkpoint, loaded in float32 (its decode program attached).</summary>
    public CausalLanguageModel Softmax() => Checkpoint.Load(_softmax, TorchSharp.torch.ScalarType.Float32);

    /// <summary>The augmented model of the same dimensions, random weights.</summary>
    public CausalLanguageModel Augmented() => ModelFactory.Create(PeersSizes.Config(Size, MixerKind.AugmentedLinear), Seed);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
