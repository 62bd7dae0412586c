using System.Diagnostics;
using TorchSharp;

namespace LinearDsl.Runtime.Diagnostics;

/// <summary>
/// Times several steps side by side on a shared machine: in rotating blocks of consecutive calls each, so a block
/// warms the caches for its own step (one softmax step streams a whole KV cache and would evict the next step's
/// weights) while the rotation spreads the machine's slow moments over every step alike. Each call runs in its own
/// dispose scope, so tensors a step returns are freed at once.
/// </summary>
internal static class RoundRobinTimer
{
    /// <summary>Milliseconds of each timed call per step, after <paramref name="warmup"/> untimed calls each.</summary>
    public static List<double>[] Time(int warmup, int count, IReadOnlyList<Action> steps, int blockLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockLength, 1);
        var samples = steps.Select(_ => new List<double>(count)).ToArray();
        for (int done = 0; done < warmup + count; done += blockLength)
        {
            for (int s = 0; s < steps.Count; s++)
            {
                for (int i = done; i < Math.Min(done + blockLength, warmup + count); i++)
                {
                    using var scope = torch.NewDisposeScope();
                    long start = Stopwatch.GetTimestamp();
                    steps[s]();
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (i >= warmup) samples[s].Add(ms);
                }
            }
        }
        return samples;
    }
}
