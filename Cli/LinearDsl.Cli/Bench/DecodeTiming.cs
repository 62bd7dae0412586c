using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Hosting;

namespace LinearDsl.Cli;

/// <summary>Timed runs of one generator on one request: the median tokens/s and the last run's counters.</summary>
/// <param name="TokensPerSecond">Median over the runs.</param>
/// <param name="Slowest">The slowest run's tokens/s.</param>
/// <param name="Fastest">The fastest run's tokens/s.</param>
/// <param name="Last">The last run.</param>
public sealed record DecodeTiming(double TokensPerSecond, double Slowest, double Fastest, TextGenerationResult Last)
{
    /// <summary>One warm-up run, then <paramref name="runs"/> timed runs; <paramref name="progress"/> hears "run i/n".</summary>
    public static async Task<DecodeTiming> MeasureAsync(ITextGenerator generator, string prompt, TextGenerationRequest request, int runs,
        Action<int> progress, CancellationToken cancellationToken)
    {
        await generator.GenerateAsync(prompt, request, cancellationToken);
        var rates = new List<double>();
        TextGenerationResult? last = null;
        for (int run = 1; run <= runs; run++)
        {
            last = await generator.GenerateAsync(prompt, request, cancellationToken);
            rates.Add(last.Statistics.TokensPerSecond);
            progress(run);
        }
        return new DecodeTiming(Medians.Of(rates), rates.Min(), rates.Max(), last!);
    }
}
