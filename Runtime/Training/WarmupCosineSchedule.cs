namespace LinearDsl.Runtime.Training;

/// <summary>
/// The learning rate of each optimizer step: a linear warmup to <see cref="PeakRate"/> over
/// <see cref="WarmupSteps"/> steps, then a cosine decay to <see cref="MinRate"/> at the last step. For the 0-based
/// step s: during warmup (s &lt; W) the rate is peak x (s + 1) / W; after it, with progress
/// p = (s - W) / max(1, T - W - 1) (0 at the first step after warmup, 1 at the last step T - 1), the rate is
/// min + (peak - min) x (1 + cos(pi x p)) / 2; steps at or past T stay at min.
/// </summary>
public sealed class WarmupCosineSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="peakRate">The rate at the end of warmup (positive).</param>
    /// <param name="totalSteps">Optimizer steps of the whole run (positive).</param>
    /// <param name="warmupSteps">Steps of linear warmup, 0 to <paramref name="totalSteps"/>.</param>
    /// <param name="minRate">The rate at the last step, 0 to <paramref name="peakRate"/>.</param>
    public WarmupCosineSchedule(double peakRate, int totalSteps, int warmupSteps = 0, double minRate = 0)
    {
        if (!(peakRate > 0) || double.IsInfinity(peakRate))
            throw new ArgumentOutOfRangeException(nameof(peakRate), peakRate, "The peak learning rate must be a positive number.");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "A schedule needs at least one step.");
        if (warmupSteps < 0 || warmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"Warmup must take 0 to {totalSteps} (all) steps.");
        if (!(minRate >= 0 && minRate <= peakRate))
            throw new ArgumentOutOfRangeException(nameof(minRate), minRate, $"The minimum learning rate must be in [0, {peakRate}] (the peak).");
        PeakRate = peakRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        MinRate = minRate;
    }

    /// <summary>The rate at the end of warmup.</summary>
    public double PeakRate { get; }

    /// <summary>Optimizer steps of the whole run.</summary>
    public int TotalSteps { get; }

    /// <summary>Steps of linear warmup.</summary>
    public int WarmupSteps { get; }

    /// <summary>The rate at the last step.</summary>
    public double MinRate { get; }

    /// <summary>The learning rate of 0-based step <paramref name="step"/>.</summary>
    public double RateAt(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 0.");
        if (step < WarmupSteps) return PeakRate * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return MinRate;
        double span = Math.Max(1, TotalSteps - WarmupSteps - 1);
        double progress = Math.Min(1, (step - WarmupSteps) / span);
        return MinRate + (PeakRate - MinRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
