namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The encoder stack of a seq2seq model (config.json "encoder"): its layers and their mixers, which may be
/// non-causal (an encoder reads the whole source). Norms, MLP and positions are the model's.
/// </summary>
public sealed record EncoderStackConfig
{
    static readonly IReadOnlyDictionary<int, MixerSpec> NoOverrides = new SortedDictionary<int, MixerSpec>();
    readonly IReadOnlyDictionary<int, MixerSpec> _layerMixers = NoOverrides;

    /// <summary>Number of encoder blocks.</summary>
    public required int Layers { get; init; }

    /// <summary>The mixer of every encoder layer that <see cref="LayerMixers"/> does not override.</summary>
    public required MixerSpec Mixer { get; init; }

    /// <summary>Per-layer overrides of <see cref="Mixer"/> by layer index (kept sorted). Default none.</summary>
    public IReadOnlyDictionary<int, MixerSpec> LayerMixers
    {
        get => _layerMixers;
        init => _layerMixers = value is null ? null! : new SortedDictionary<int, MixerSpec>(value.ToDictionary(p => p.Key, p => p.Value));
    }

    /// <summary>The mixer of encoder layer <paramref name="layer"/>: its override, else <see cref="Mixer"/>.</summary>
    public MixerSpec MixerFor(int layer)
    {
        if (layer < 0 || layer >= Layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The encoder has layers 0..{Layers - 1}.");
        return _layerMixers.TryGetValue(layer, out var spec) ? spec : Mixer;
    }

    /// <summary>Value equality, including the contents of <see cref="LayerMixers"/>.</summary>
    public bool Equals(EncoderStackConfig? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (Layers != other.Layers || !Equals(Mixer, other.Mixer)) return false;
        if (_layerMixers is null || other._layerMixers is null) return ReferenceEquals(_layerMixers, other._layerMixers);
        return _layerMixers.Count == other._layerMixers.Count
            && _layerMixers.All(p => other._layerMixers.TryGetValue(p.Key, out var spec) && Equals(spec, p.Value));
    }

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Layers, Mixer, _layerMixers?.Count);
}
