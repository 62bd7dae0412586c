using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// Everything needed to build a <see cref="CausalLanguageModel"/> (weights aside). Serialised as config.json by
/// <see cref="ModelConfigJson"/>: versioned, every setting written out explicitly, and read back to an equal record.
/// Every layer uses <see cref="Mixer"/> unless <see cref="LayerMixers"/> overrides it (hybrids, e.g. layer 0 softmax).
/// </summary>
public sealed partial record ModelConfig
{
    /// <summary>
    /// The config.json format this build writes. Format 2 writes each mixer's options polymorphically under "options"
    /// with their "kind"; format 1 files (kind beside heads, options under "augmented" or "linear") are migrated on read.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    static readonly IReadOnlyDictionary<int, MixerSpec> NoOverrides = new SortedDictionary<int, MixerSpec>();
    readonly IReadOnlyDictionary<int, MixerSpec> _layerMixers = NoOverrides;

    /// <summary>Format of the serialised config. Default <see cref="CurrentFormatVersion"/>.</summary>
    [JsonPropertyOrder(-1)]
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Number of token ids.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the residual stream (hidden size).</summary>
    public required int Width { get; init; }

    /// <summary>Number of decoder blocks.</summary>
    public required int Layers { get; init; }

    /// <summary>Training context length; the size of the learned position table when <see cref="Positions"/> is Learned.</summary>
    public required int ContextLength { get; init; }

    /// <summary>Normalisation of every block and of the final norm. Default RMS norm.</summary>
    public NormKind Norm { get; init; } = NormKind.RmsNorm;

    /// <summary>Epsilon of every norm. Default 1e-5.</summary>
    public double NormEps { get; init; } = 1e-5;

    /// <summary>Positional encoding. Default rotary.</summary>
    public PositionKind Positions { get; init; } = PositionKind.Rotary;

    /// <summary>Frequency base of the rotary embedding (used when <see cref="Positions"/> is Rotary). Default 10000.</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>Feed-forward network of every block. Default SwiGLU.</summary>
    public MlpKind Mlp { get; init; } = MlpKind.SwiGlu;

    /// <summary>Hidden width of the feed-forward network (intermediate size).</summary>
    public required int MlpHidden { get; init; }

    /// <summary>The token mixer of every layer that <see cref="LayerMixers"/> does not override.</summary>
    public required MixerSpec Mixer { get; init; }

    /// <summary>Per-layer overrides of <see cref="Mixer"/> by layer index (kept sorted). Default none.</summary>
    public IReadOnlyDictionary<int, MixerSpec> LayerMixers
    {
        get => _layerMixers;
        init => _layerMixers = value is null ? null! : new SortedDictionary<int, MixerSpec>(value.ToDictionary(p => p.Key, p => p.Value));
    }

    /// <summary>
    /// Biases on the attention projections (q/k/v and output), as GPT-2 has. Default false (LLaMA). Written to
    /// config.json only when true, so a file without the key describes projections without bias.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool AttentionBias { get; init; }

    /// <summary>Use the token embedding as the output head (no lm_head weight). Default false.</summary>
    public bool TieEmbeddings { get; init; }

    /// <summary>
    /// Medusa heads on the model, or null for none (the default). Written to config.json as medusa_heads only when
    /// present, so a file without the key describes a model without heads. The decode programs ignore them: heads
    /// read the final hidden state after a step or verification.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MedusaSpec? MedusaHeads { get; init; }

    /// <summary>Standard deviation of the normal initialisation of embeddings and linear weights. Default 0.02.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>The mixer of layer <paramref name="layer"/>: its override, else <see cref="Mixer"/>.</summary>
    public MixerSpec MixerFor(int layer)
    {
        if (layer < 0 || layer >= Layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The model has layers 0..{Layers - 1}.");
        return _layerMixers.TryGetValue(layer, out var spec) ? spec : Mixer;
    }

    /// <summary>Value equality, including the contents of <see cref="LayerMixers"/>.</summary>
    public bool Equals(ModelConfig? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        return FormatVersion == other.FormatVersion && VocabSize == other.VocabSize && Width == other.Width && Layers == other.Layers
            && ContextLength == other.ContextLength && Norm == other.Norm && NormEps.Equals(other.NormEps) && Positions == other.Positions
            && RopeTheta.Equals(other.RopeTheta) && Mlp == other.Mlp && MlpHidden == other.MlpHidden && Equals(Mixer, other.Mixer)
            && TieEmbeddings == other.TieEmbeddings && AttentionBias == other.AttentionBias && InitializerRange.Equals(other.InitializerRange) && SameOverrides(other)
            && Equals(MedusaHeads, other.MedusaHeads) && SameEncoderSettings(other);
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(FormatVersion);
        hash.Add(VocabSize);
        hash.Add(Width);
        hash.Add(Layers);
        hash.Add(ContextLength);
        hash.Add(Norm);
        hash.Add(Positions);
        hash.Add(Mlp);
        hash.Add(MlpHidden);
        hash.Add(Mixer);
        hash.Add(TieEmbeddings);
        hash.Add(AttentionBias);
        hash.Add(_layerMixers?.Count);
        hash.Add(MedusaHeads);
        hash.Add(Architecture);
        hash.Add(Encoder);
        hash.Add(CrossAttention);
        hash.Add(NormPlacement);
        hash.Add(TokenTypes);
        hash.Add(MlmHead);
        return hash.ToHashCode();
    }

    bool SameOverrides(ModelConfig other)
    {
        if (_layerMixers is null || other._layerMixers is null) return ReferenceEquals(_layerMixers, other._layerMixers);
        return _layerMixers.Count == other._layerMixers.Count
            && _layerMixers.All(p => other._layerMixers.TryGetValue(p.Key, out var spec) && Equals(spec, p.Value));
    }
}
