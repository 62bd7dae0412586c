using System.Globalization;

namespace LinearDsl.Benchmarks;

/// <summary>What one peers run covers, from its command-line options (everything has a default).</summary>
public sealed record PeersSettings
{
    /// <summary>The issue's contexts; the 100m size stops at 8,192 by default (its 16k llama.cpp prefill alone takes many minutes).</summary>
    public static readonly long[] DefaultContexts = [512, 2048, 8192, 16384];

    public required IReadOnlyList<long> Contexts { get; init; }

    /// <summary>Whether <see cref="Contexts"/> was given (then every size runs every context).</summary>
    public bool ContextsGiven { get; init; }

    public required IReadOnlyList<string> Sizes { get; init; }

    public required IReadOnlyList<int> Threads { get; init; }

    /// <summary>Engine filters: "llama.cpp", "lineardsl" or a variant id prefix such as "lineardsl:augmented" or "llama.cpp:softmax:q8_0".</summary>
    public required IReadOnlyList<string> Engines { get; init; }

    /// <summary>Rounds of decode steps per context; the engines take turns round by round.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Timed decode steps per engine, thread count and round.</summary>
    public int StepsPerRound { get; init; } = 5;

    /// <summary>Untimed decode steps before each engine's first timed step at a context.</summary>
    public int WarmupSteps { get; init; } = 2;

    public bool Quick { get; init; }

    /// <summary>Decode steps per thread count in each of the two warm-up passes of a throwaway engine (see <see cref="PeersBenchmarks"/>).</summary>
    public int WarmupDecode { get; init; } = 32;

    /// <summary>Tokens a warm-up sequence prefills, in two blocks (both longer than the 32 tokens that LinearDsl prefills through its decode program).</summary>
    public const int WarmupPrefill = 2 * 48;

    /// <summary>Tokens a warm-up sequence reaches.</summary>
    public long WarmupTokens => WarmupPrefill + 2L * Threads.Count * WarmupDecode;

    /// <summary>The contexts one size runs.</summary>
    public IReadOnlyList<long> ContextsFor(string size)
        => ContextsGiven || size != "100m" ? Contexts : Contexts.Where(c => c <= 8192).ToArray();

    /// <summary>Tokens one engine's sequence reaches at most for <paramref name="size"/> (the context window llama.cpp must reserve).</summary>
    public long LongestSequence(string size)
        => Math.Max(WarmupTokens, ContextsFor(size).Max() + (long)Threads.Count * (WarmupSteps + Rounds * StepsPerRound)) + 8;

    public const string Usage = "peers [--quick] [--contexts 512,2048,...] [--sizes bundled,100m] [--threads 1,all] [--engines llama.cpp,lineardsl,lineardsl:augmented,...]";

    /// <summary>Settings from the options after "peers"; null with <paramref name="error"/> set when an option is wrong.</summary>
    public static PeersSettings? Parse(IReadOnlyList<string> options, bool quick, out string? error)
    {
        error = null;
        int all = Environment.ProcessorCount;
        var settings = new PeersSettings
        {
            Contexts = quick ? [64, 160] : DefaultContexts,
            Sizes = quick ? ["bundled"] : ["bundled", "100m"],
            Threads = all > 1 ? [1, all] : [1],
            Engines = ["llama.cpp", "lineardsl"],
            Quick = quick,
            Rounds = quick ? 1 : 3,
            StepsPerRound = quick ? 2 : 5,
            WarmupSteps = quick ? 1 : 2,
            WarmupDecode = quick ? 2 : 32,
        };
        for (int i = 0; i < options.Count; i++)
        {
            string option = options[i];
            if (i + 1 >= options.Count)
            {
                error = $"Unknown option '{option}' or {option} without a value.";
                return null;
            }
            var values = options[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (option)
            {
                case "--contexts":
                    var contexts = values.Select(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long c) && c >= 2 ? c : -1).ToArray();
                    if (contexts.Length == 0 || contexts.Any(c => c < 0))
                    {
                        error = $"--contexts takes token counts of 2 or more separated by commas, got '{options[i]}'.";
                        return null;
                    }
                    settings = settings with { Contexts = contexts.Order().Distinct().ToArray(), ContextsGiven = true };
                    break;
                case "--sizes":
                    if (values.Length == 0 || values.Any(v => !PeersSizes.Names.Contains(v)))
                    {
                        error = $"--sizes takes {string.Join(" and/or ", PeersSizes.Names)}, got '{options[i]}'.";
                        return null;
                    }
                    settings = settings with { Sizes = values.Distinct().ToArray() };
                    break;
                case "--threads":
                    var threads = values.Select(v => v == "all" ? all : int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int t) && t >= 1 && t <= 256 ? t : -1).ToArray();
                    if (threads.Length == 0 || threads.Any(t => t < 0))
                    {
                        error = $"--threads takes thread counts from 1 to 256 or 'all', separated by commas, got '{options[i]}'.";
                        return null;
                    }
                    settings = settings with { Threads = threads.Distinct().Order().ToArray() };
                    break;
                case "--engines":
                    if (values.Length == 0 || values.Any(v => !PeersVariants.All.Any(variant => variant.Matches(v))))
                    {
                        error = $"--engines takes engines or variants among {string.Join(", ", PeersVariants.All.Select(v => v.Id))} (or a prefix: llama.cpp, lineardsl, lineardsl:augmented), got '{options[i]}'.";
                        return null;
                    }
                    settings = settings with { Engines = values };
                    break;
                default:
                    error = $"Unknown option '{option}'.";
                    return null;
            }
        }
        return settings;
    }
}
