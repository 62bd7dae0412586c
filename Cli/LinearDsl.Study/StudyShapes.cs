using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Study;

/// <summary>
/// The architectures a study trains: the declared ones (StudyModels.cs), or for the micro budget the same
/// declarations shrunk to a tiny shape with the MLP widths re-levelled, and the check that every variant's parameter
/// count is within <see cref="Tolerance"/> of the softmax reference.
/// </summary>
public static class StudyShapes
{
    /// <summary>Largest allowed relative difference of a variant's parameter count from the reference's.</summary>
    public const double Tolerance = 0.05;

    /// <summary>The micro shape: width, layers, heads and context of every variant.</summary>
    public const int MicroWidth = 32, MicroLayers = 2, MicroHeads = 2, MicroContext = 32;

    /// <summary>The micro shape of the draft.</summary>
    public const int MicroDraftWidth = 16, MicroDraftHeads = 1;

    /// <summary>Number of parameters (trainable tensors; Performer's random projection is a buffer and not counted).</summary>
    public static long CountParameters(ModelConfig config)
    {
        using var model = ModelFactory.Create(config, seed: 0);
        return CountParameters(model);
    }

    /// <summary>Number of parameters of <paramref name="model"/>.</summary>
    public static long CountParameters(CausalLanguageModel model) => model.parameters().Sum(p => p.numel());

    /// <summary>The configs of <paramref name="variants"/> for the budget: declared, or shrunk and re-levelled when <paramref name="micro"/>.</summary>
    public static IReadOnlyDictionary<string, ModelConfig> Configs(IReadOnlyList<StudyVariant> variants, bool micro)
    {
        if (!micro) return variants.ToDictionary(v => v.Key, v => v.Config);
        var reference = StudyVariants.Find(StudyVariants.Reference).Config;
        int hidden = DefaultSwiGluHidden(MicroWidth);
        long target = CountParameters(Shrink(reference, MicroWidth, MicroLayers, MicroHeads, MicroContext) with { MlpHidden = hidden });
        return variants.ToDictionary(v => v.Key, v => Level(Shrink(v.Config, MicroWidth, MicroLayers, MicroHeads, MicroContext) with { MlpHidden = hidden }, target));
    }

    /// <summary>The fixed draft's config for the budget.</summary>
    public static ModelConfig DraftConfig(bool micro) => micro
        ? Shrink(StudyVariants.DraftConfig, MicroDraftWidth, 1, MicroDraftHeads, MicroContext) with { MlpHidden = DefaultSwiGluHidden(MicroDraftWidth) }
        : StudyVariants.DraftConfig;

    /// <summary>
    /// <paramref name="config"/> at another width, depth, head count and context; group size and conv taps scale with
    /// the context (at least 2 taps when the conv has more than one, so a leaky conv still reads the future).
    /// </summary>
    public static ModelConfig Shrink(ModelConfig config, int width, int layers, int heads, int context)
    {
        double scale = (double)context / config.ContextLength;
        MixerSpec Scale(MixerSpec spec) => spec with
        {
            Heads = heads,
            KvHeads = heads,
            Options = spec.Options is not AugmentedLinearAttentionOptions augmented ? spec.Options : augmented with
            {
                GroupSize = Math.Max(1, (int)(augmented.GroupSize * scale)),
                ConvTaps = augmented.ConvTaps <= 1 ? augmented.ConvTaps : Math.Max(2, (int)(augmented.ConvTaps * scale)),
            },
        };
        return config with
        {
            Width = width,
            Layers = layers,
            ContextLength = context,
            Mixer = Scale(config.Mixer),
            LayerMixers = config.LayerMixers.Where(p => p.Key < layers).ToDictionary(p => p.Key, p => Scale(p.Value)),
        };
    }

    /// <summary>
    /// <paramref name="config"/> with the SwiGLU/GELU hidden width that brings its parameter count closest to
    /// <paramref name="target"/> (the count is linear in the hidden width).
    /// </summary>
    public static ModelConfig Level(ModelConfig config, long target)
    {
        long count = CountParameters(config);
        long perUnit = (long)Mlp.Matrices(config.Mlp) * config.Width * config.Layers;
        int hidden = (int)Math.Max(1, config.MlpHidden - Math.Round((double)(count - target) / perUnit));
        return config with { MlpHidden = hidden };
    }

    /// <summary>The relative difference of <paramref name="count"/> from <paramref name="reference"/>.</summary>
    public static double Deviation(long count, long reference) => (double)(count - reference) / reference;

    /// <summary>Throws when a variant's count differs from the reference's by more than <see cref="Tolerance"/>.</summary>
    /// <exception cref="InvalidOperationException">Lists every variant outside the tolerance.</exception>
    public static void CheckLevel(IReadOnlyDictionary<string, long> counts)
    {
        long reference = counts[StudyVariants.Reference];
        var off = counts.Where(p => Math.Abs(Deviation(p.Value, reference)) > Tolerance)
            .Select(p => $"{p.Key} has {p.Value:N0} ({Deviation(p.Value, reference):+0.0%;-0.0%})").ToArray();
        if (off.Length > 0)
            throw new InvalidOperationException($"The study's variants must have the reference's {reference:N0} parameters within {Tolerance:P0}, but {string.Join(", ", off)}.");
    }

    static int DefaultSwiGluHidden(int width) => (8 * width / 3 + 7) / 8 * 8;
}
