namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The cross-attention of every decoder block of a seq2seq model (config.json "cross_attention"): queries from the
/// decoder, keys and values from the encoder's output. The head size is the model width divided by <see cref="Heads"/>.
/// </summary>
public sealed record CrossAttentionSpec
{
    /// <summary>Softmax or linear. Default softmax.</summary>
    public CrossAttentionKind Kind { get; init; }

    /// <summary>Query heads; must divide the model width.</summary>
    public required int Heads { get; init; }

    /// <summary>Key/value heads; must divide <see cref="Heads"/>.</summary>
    public required int KvHeads { get; init; }

    /// <summary>The feature map phi of linear cross-attention (null: elu(x) + 1); must be null for softmax.</summary>
    public LinearFeatureMap? FeatureMap { get; init; }

    /// <summary>phi of linear cross-attention: <see cref="FeatureMap"/> or its default.</summary>
    internal LinearFeatureMap EffectiveFeatureMap => FeatureMap ?? LinearFeatureMap.EluPlusOne;

    /// <summary>Every problem of these settings for a model of <paramref name="width"/>, prefixed with where they sit.</summary>
    public IReadOnlyList<string> Problems(int width, string where = "cross_attention")
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Kind)) problems.Add($"{where}.kind {(int)Kind} is not a known cross-attention kind; use softmax or linear.");
        if (Heads <= 0) problems.Add($"{where}.heads must be positive, got {Heads}.");
        else if (width > 0 && width % Heads != 0) problems.Add($"{where}.heads ({Heads}) must divide width ({width}); choose a divisor of {width}.");
        if (KvHeads <= 0) problems.Add($"{where}.kv_heads must be positive, got {KvHeads}.");
        else if (Heads > 0 && Heads % KvHeads != 0) problems.Add($"{where}.kv_heads ({KvHeads}) must divide heads ({Heads}); choose a divisor of {Heads}.");
        if (Kind == CrossAttentionKind.Softmax && FeatureMap is not null)
            problems.Add($"{where}.feature_map applies to linear cross-attention only; remove it or set kind to linear.");
        if (Kind == CrossAttentionKind.Linear && FeatureMap is { } map && (map == LinearFeatureMap.L2 || !Enum.IsDefined(map)))
            problems.Add($"{where}.feature_map {map} is not a feature map of linear cross-attention; use any feature map but l2 (that is the augmented form).");
        return problems;
    }
}
