namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// A checkpoint whose tensors do not fit the model: every missing key, every unexpected key and every key with the
/// wrong shape is listed, in one exception, so that one look shows everything that differs.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception for the weights file at <paramref name="path"/>.</summary>
    public CheckpointMismatchException(string path, IReadOnlyList<CheckpointTensor> missing, IReadOnlyList<CheckpointTensor> unexpected, IReadOnlyList<MisshapedTensor> misshaped)
        : base(Describe(path, missing, unexpected, misshaped))
    {
        Path = path;
        Missing = missing;
        Unexpected = unexpected;
        Misshaped = misshaped;
    }

    /// <summary>The weights file.</summary>
    public string Path { get; }

    /// <summary>Keys the model needs that the file lacks (with the shape the model expects).</summary>
    public IReadOnlyList<CheckpointTensor> Missing { get; }

    /// <summary>Keys in the file that the model does not have (with the shape found).</summary>
    public IReadOnlyList<CheckpointTensor> Unexpected { get; }

    /// <summary>Keys present in both with different shapes.</summary>
    public IReadOnlyList<MisshapedTensor> Misshaped { get; }

    /// <summary>Throws when <paramref name="found"/> differs from <paramref name="expected"/> in any key or shape, listing every difference.</summary>
    internal static void ThrowIfDifferent(IReadOnlyList<CheckpointTensor> expected, IReadOnlyList<CheckpointTensor> found, string path)
    {
        var foundByKey = found.ToDictionary(t => t.Key, t => t.Shape, StringComparer.Ordinal);
        var expectedKeys = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(e => !foundByKey.ContainsKey(e.Key)).ToList();
        var misshaped = expected.Where(e => foundByKey.TryGetValue(e.Key, out var shape) && !shape.SequenceEqual(e.Shape))
            .Select(e => new MisshapedTensor(e.Key, e.Shape, foundByKey[e.Key])).ToList();
        var unexpected = found.Where(t => !expectedKeys.Contains(t.Key)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0)
            throw new CheckpointMismatchException(path, missing, unexpected, misshaped);
    }

    static string Describe(string path, IReadOnlyList<CheckpointTensor> missing, IReadOnlyList<CheckpointTensor> unexpected, IReadOnlyList<MisshapedTensor> misshaped)
    {
        var lines = new List<string> { $"Checkpoint weights '{path}' do not match the model (check that config.json belongs to these weights):" };
        if (missing.Count > 0) lines.Add($"  missing ({missing.Count}), the model needs them:");
        lines.AddRange(missing.Select(t => $"    {t}"));
        if (unexpected.Count > 0) lines.Add($"  unexpected ({unexpected.Count}), the model has no such tensor:");
        lines.AddRange(unexpected.Select(t => $"    {t}"));
        if (misshaped.Count > 0) lines.Add($"  wrong shape ({misshaped.Count}):");
        lines.AddRange(misshaped.Select(t => $"    {t}"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>A checkpoint key and a shape.</summary>
/// <param name="Key">Checkpoint key, e.g. model.layers.0.self_attn.q_proj.weight.</param>
/// <param name="Shape">Dimensions.</param>
public sealed record CheckpointTensor(string Key, IReadOnlyList<long> Shape)
{
    /// <summary>"key [d0, d1]", the line format of the key baselines.</summary>
    public override string ToString() => $"{Key} {CheckpointShapes.Format(Shape)}";
}

/// <summary>A key whose shape in the file differs from the model's.</summary>
/// <param name="Key">Checkpoint key.</param>
/// <param name="Expected">Shape the model needs.</param>
/// <param name="Found">Shape in the file.</param>
public sealed record MisshapedTensor(string Key, IReadOnlyList<long> Expected, IReadOnlyList<long> Found)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key}: expected {CheckpointShapes.Format(Expected)}, found {CheckpointShapes.Format(Found)}";
}

/// <summary>Shape formatting shared by checkpoint messages and baselines.</summary>
internal static class CheckpointShapes
{
    public static string Format(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
