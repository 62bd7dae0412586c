using LinearDsl.Runtime.Hosting;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>Runs each generator once on a few tokens, so that timings exclude one-time costs (JIT, native thread pools).</summary>
public static class Warmup
{
    /// <summary>Tokens each warm-up generates.</summary>
    public const int Tokens = 4;

    public static Task RunAsync(IAnsiConsole console, IEnumerable<ITextGenerator?> generators, CancellationToken cancellationToken) =>
        Spinner.RunAsync(console, "Warming up", async () =>
        {
            foreach (var generator in generators)
            {
                if (generator is null) continue;
                await generator.GenerateAsync("a", new TextGenerationRequest { MaxNewTokens = Tokens, Temperature = 0, Seed = 0 }, cancellationToken);
            }
        });
}
