using System.Globalization;
using System.Text.RegularExpressions;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// Checks a config against the headers of its weights before the model is built, so that a config that does not
/// belong to its weights (a million layers beside a file of two) fails at once instead of building a huge model
/// first; and refuses weights stored as anything but floating point, naming the key and the dtype.
/// </summary>
internal static partial class WeightsAgreement
{
    static readonly HashSet<string> FloatTypes = new(StringComparer.Ordinal) { "F64", "F32", "F16", "BF16" };

    /// <summary>
    /// Throws when <paramref name="entries"/> cannot hold the weights of <paramref name="config"/>'s model (the
    /// files at <paramref name="weightsPath"/> and <paramref name="configPath"/>); for a LinearDsl checkpoint
    /// (<paramref name="ourLayout"/>, layer keys model.layers.N) the layer count must match too.
    /// </summary>
    public static void ThrowIfDisagree(ModelConfig config, IReadOnlyList<SafetensorsEntry> entries, string configPath, string weightsPath, bool ourLayout)
    {
        var problems = new List<string>();
        if (ourLayout)
        {
            var layers = entries.Select(e => LayerKey().Match(e.Name)).Where(m => m.Success)
                .Select(m => long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long i) ? i : -1).Where(i => i >= 0).ToHashSet();
            long stored = layers.Count == 0 ? 0 : layers.Max() + 1;
            if (stored != config.Layers) problems.Add($"it says layers {config.Layers}, but the weights hold {stored}");
        }
        double needed = ModelMemory.WeightCount(config);
        double held = entries.Sum(e => e.Shape.Aggregate(1.0, (product, size) => product * size));
        // Within a factor of two the key-by-key check that follows says precisely what differs; beyond it, building
        // the model first could take far more memory than the file.
        if (needed > 2 * held)
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"it describes at least {needed:N0} weights, but the file holds {held:N0}"));
        if (problems.Count > 0)
            throw new InvalidDataException($"'{configPath}' does not belong to the weights '{weightsPath}': {string.Join("; ", problems)}. Use the config.json saved with these weights.");
    }

    /// <summary>Throws when an entry of <paramref name="entries"/> is not floating point, naming its key and dtype.</summary>
    public static void ThrowIfNotFloat(IEnumerable<SafetensorsEntry> entries, string weightsPath)
    {
        var bad = entries.FirstOrDefault(e => !FloatTypes.Contains(e.Dtype));
        if (bad is not null)
            throw new InvalidDataException($"Checkpoint weights '{weightsPath}' store tensor '{bad.Name}' as {bad.Dtype}; model weights must be floating point (F32, F64, F16 or BF16). Save the weights as floats.");
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.")]
    private static partial Regex LayerKey();
}
