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
        if (config.Architecture != ModelArchitecture.CausalLM) yield return ("architecture", JsonNames.Of(config.Architecture));
        yield return ("vocabulary", $"{config.VocabSize} tokens");
        yield return ("width", config.Width.ToString(Invariant));
        yield return (config.Architecture == ModelArchitecture.Seq2Seq ? "decoder layers" : "layers", config.Layers.ToString(Invariant));
        yield return ("context length", $"{config.ContextLength} tokens");
        yield return ("positions", config.Positions == PositionKind.Rotary
            ? string.Create(Invariant, $"rotary (theta {config.RopeTheta})") : JsonNames.Of(config.Positions));
        yield return ("norm", string.Create(Invariant, $"{JsonNames.Of(config.Norm)} (eps {config.NormEps:g3})"));
        yield return ("mlp", $"{JsonNames.Of(config.Mlp)}, hidden {config.MlpHidden}");
        yield return ("embeddings", config.TieEmbeddings ? "tied (the output head is the token embedding)" : "untied (own output head)");
        if (config.Architecture == ModelArchitecture.Encoder)
        {
            yield return ("blocks", config.NormPlacement == NormPlacement.Post ? "post-norm (normalised embeddings, no final norm)" : "pre-norm");
            yield return ("masked-LM head", $"{JsonNames.Of(config.MlmHead)}; mask token {config.MaskTokenId}");
            yield return ("pooling", JsonNames.Of(config.Pooling));
            if (config.TokenTypes > 0) yield return ("token types", config.TokenTypes.ToString(Invariant));
        }
        string prefix = config.Architecture == ModelArchitecture.Seq2Seq ? "decoder " : "";
        foreach (var (first, last, spec) in LayerRuns(config.Layers, config.MixerFor))
            yield return (prefix + (first == last ? $"layer {first}" : $"layers {first}-{last}"), Mixer(spec, config.Width));
        if (config is { Architecture: ModelArchitecture.Seq2Seq, Encoder: { } encoder, CrossAttention: { } cross })
        {
            yield return ("encoder layers", encoder.Layers.ToString(Invariant));
            foreach (var (first, last, spec) in LayerRuns(encoder.Layers, encoder.MixerFor))
                yield return ("encoder " + (first == last ? $"layer {first}" : $"layers {first}-{last}"), Mixer(spec, config.Width));
            yield return ("cross-attention", $"{JsonNames.Of(cross.Kind)}, {cross.Heads} heads ({cross.KvHeads} kv heads)");
            yield return ("decoder start token", config.DecoderStartTokenId.ToString(Invariant));
        }
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
    static IEnumerable<(int First, int Last, MixerSpec Spec)> LayerRuns(int layers, Func<int, MixerSpec> mixerFor)
    {
        int start = 0;
        for (int layer = 1; layer <= layers; layer++)
        {
            if (layer < layers && Equals(mixerFor(layer), mixerFor(start))) continue;
            yield return (start, layer - 1, mixerFor(start));
            start = layer;
        }
    }
}
