using System.Globalization;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli;

/// <summary>The declared architecture of a <see cref="ModelConfig"/> as (name, value) lines.</summary>
public static class ArchitectureDescription
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static IEnumerable<(string Name, string Value)> Lines(ModelConfig config)
    {
        yield return ("vocabulary", $"{config.VocabSize} tokens");
        yield return ("width", config.Width.ToString(Invariant));
        yield return ("layers", config.Layers.ToString(Invariant));
        yield return ("context length", $"{config.ContextLength} tokens");
        yield return ("positions", config.Positions == PositionKind.Rotary
            ? string.Create(Invariant, $"rotary (theta {config.RopeTheta})") : JsonNames.Of(config.Positions));
        yield return ("norm", string.Create(Invariant, $"{JsonNames.Of(config.Norm)} (eps {config.NormEps:g3})"));
        yield return ("mlp", $"{JsonNames.Of(config.Mlp)}, hidden {config.MlpHidden}");
        yield return ("embeddings", config.TieEmbeddings ? "tied (the output head is the token embedding)" : "untied (own output head)");
        foreach (var (first, last, spec) in LayerRuns(config))
            yield return (first == last ? $"layer {first}" : $"layers {first}-{last}", Mixer(spec, config.Width));
    }

    /// <summary>A mixer with its options, e.g. "augmented_linear, 2 heads of 16 (2 kv heads); group 16, local, global, conv 4 taps, alpha init 0".</summary>
    public static string Mixer(MixerSpec spec, int width)
    {
        string heads = $"{spec.Options.KindName()}, {spec.Heads} heads of {width / spec.Heads} ({spec.KvHeads} kv heads)";
        // The built-in kinds in detail; any other kind by its own description (nothing to add here for a new kind).
        string options = spec.Options switch
        {
            AugmentedLinearAttentionOptions a => string.Join(", ", new[]
            {
                $"group {a.GroupSize}",
                a.Local ? "local" : "no local",
                !a.Global ? "no global" : a.Gate == GateKind.Gla ? string.Create(Invariant, $"GLA-gated global (tau {a.GateTemperature})") : "global",
                a.Conv ? $"conv {a.ConvTaps} taps" : "no conv",
                string.Create(Invariant, $"alpha init {a.AlphaInit}"),
            }),
            LinearAttentionOptions l => string.Join(", ", new[]
            {
                $"feature map {JsonNames.Of(l.FeatureMap)}" + (l.FeatureDim is int dim ? $" ({dim} features)" : string.Empty),
                l.Denominator ? "denominator" : "no denominator",
                $"chunk {l.ChunkSize}",
            }),
            SoftmaxAttentionOptions { Bidirectional: true } => "no causal mask",
            SoftmaxAttentionOptions => "KV cache",
            var other => other.Describe(),
        };
        return options.Length == 0 ? heads : heads + "; " + options;
    }

    /// <summary>Consecutive layers with equal mixers, as (first, last, mixer).</summary>
    static IEnumerable<(int First, int Last, MixerSpec Spec)> LayerRuns(ModelConfig config)
    {
        int start = 0;
        for (int layer = 1; layer <= config.Layers; layer++)
        {
            if (layer < config.Layers && Equals(config.MixerFor(layer), config.MixerFor(start))) continue;
            yield return (start, layer - 1, config.MixerFor(start));
            start = layer;
        }
    }
}
