using System.Globalization;
using LinearDsl.Runtime.Data;

namespace LinearDsl.Runtime.Training;

/// <summary>The settings that decide a run's loss curve, as text, so that a checkpoint can refuse a resume that would not reproduce it.</summary>
internal static class TrainingFingerprint
{
    public static SortedDictionary<string, string> Of(TrainingOptions options, CorpusSplit data, TrainingObjective objective)
    {
        static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["steps"] = options.Steps.ToString(CultureInfo.InvariantCulture),
            ["batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["learning_rate"] = F(options.LearningRate),
            ["min_learning_rate"] = F(options.MinLearningRate),
            ["warmup_steps"] = options.WarmupSteps.ToString(CultureInfo.InvariantCulture),
            ["weight_decay"] = F(options.WeightDecay),
            ["beta1"] = F(options.Beta1),
            ["beta2"] = F(options.Beta2),
            ["epsilon"] = F(options.Epsilon),
            ["gradient_clip_norm"] = options.GradientClipNorm is double clip ? F(clip) : "none",
            ["context_length"] = data.ContextLength.ToString(CultureInfo.InvariantCulture),
            ["train_sequences"] = data.Train.Count.ToString(CultureInfo.InvariantCulture),
            ["objective"] = objective.Description,
        };
    }

    /// <summary>"key: saved vs now" for every difference, empty when the fingerprints agree.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> saved, IReadOnlyDictionary<string, string> current)
    {
        var differences = new List<string>();
        foreach (var key in saved.Keys.Union(current.Keys).Order(StringComparer.Ordinal))
        {
            saved.TryGetValue(key, out var before);
            current.TryGetValue(key, out var now);
            if (before != now) differences.Add($"{key}: {before ?? "(absent)"} in the checkpoint vs {now ?? "(absent)"} now");
        }
        return differences;
    }
}
