using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;

namespace LinearDsl.Runtime.Tests.Training;

/// <summary>Tiny byte-level models and a tiny repetitive corpus: every training test runs in well under a second per run.</summary>
public static class TrainingFixtures
{
    public const int ContextLength = 16;

    public static readonly ITextTokenizer Tokenizer = new ByteTokenizer();

    /// <summary>A short, very repetitive text: a tiny model learns it within a few dozen steps.</summary>
    public static string Text { get; } = string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log. ", 24));

    public static ModelConfig Config(int width = 16, int layers = 1) => new()
    {
        VocabSize = 256,
        Width = width,
        Layers = layers,
        ContextLength = ContextLength,
        MlpHidden = 2 * width,
        Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }),
        InitializerRange = 0.1,
    };

    public static CausalLanguageModel Model(ulong seed = 1, int width = 16, int layers = 1) => ModelFactory.Create(Config(width, layers), seed);

    public static CorpusSplit Data(double validationFraction = 0.2)
        => SequencePacker.Pack(TokenCorpus.FromText(Text, Tokenizer, "test text"), ContextLength, validationFraction);

    public static Runtime.Training.TrainingOptions Options(int steps = 12) => new()
    {
        Steps = steps,
        BatchSize = 4,
        Seed = 7,
        LearningRate = 1e-2,
        WarmupSteps = Math.Min(3, steps),
        MinLearningRate = 1e-3,
        WeightDecay = 0.01,
        GradientClipNorm = 1.0,
    };
}

/// <summary>An IProgress that runs its handler at once on the reporting thread (Progress&lt;T&gt; posts to a context).</summary>
public sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
