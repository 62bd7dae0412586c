using LinearDsl.Runtime.Diagnostics;
using System.Globalization;
using LinearDsl.Runtime.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>bench</c>: greedy decode tokens/s of plain decoding and (with a draft) speculative decoding, median of a few runs;
/// then what one call of each decoding form costs (<see cref="CallCosts"/>).
/// </summary>
public sealed class BenchCommand(CliEnvironment environment) : AsyncCommand<BenchSettings>
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Calls of each form timed for the cost table.</summary>
    const int CallRepeats = 48;

    public override async Task<int> ExecuteAsync(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (settings.Json is not null) OutputPaths.CheckFile(settings.Json, "--json");
        // Without --target: the bundled pair; with --target: speculative decoding too when --draft is given.
        var speculation = settings.Speculation;
        bool heads = speculation.Mode == Runtime.Decoding.SpeculationMode.Heads;
        using var pair = ModelPair.Load(settings, speculate: !heads && (settings.Target is null || settings.Draft is not null), environment);
        var request = new TextGenerationRequest { MaxNewTokens = settings.MaxTokens, Temperature = 0, Seed = 0 };
        var generators = new List<(string Name, ITextGenerator Generator)> { ("plain", pair.PlainGenerator()) };
        if (pair.Draft is not null || heads)
            generators.Add(("speculative", pair.Generator(speculation)));

        long[] prompt = pair.Tokenizer.Encode(settings.Prompt);
        if (prompt.Length == 0) throw new CliException("--prompt is empty; give at least one character.");
        var timings = new List<(string Name, DecodeTiming Timing)>();
        List<CallCost> costs = [];
        await Spinner.RunAsync(console, "Measuring", async status =>
        {
            foreach (var (name, generator) in generators)
            {
                status($"{name}: warm-up");
                var timing = await DecodeTiming.MeasureAsync(generator, settings.Prompt, request, settings.Runs,
                    run => status($"{name}: run {run}/{settings.Runs} done"), cancellationToken);
                timings.Add((name, timing));
            }
            status("one call of each form");
            costs = CallCosts.Measure(pair.Target, pair.Draft, prompt, settings.DraftTokens, CallRepeats);
        });

        var table = new Table().Border(TableBorder.Simple).AddColumns("decoder", "tokens/s (median)", "range", "target calls", "acceptance rate");
        // The speculative row names its mode (chain, tree, heads, heads+draft).
        string speculativeName = $"speculative ({SpeculationFlags.Name(speculation.Mode)})";
        foreach (var (name, timing) in timings)
        {
            var statistics = timing.Last.Statistics;
            table.AddRow(name == "speculative" ? speculativeName : name, timing.TokensPerSecond.ToString("F1", Invariant), string.Create(Invariant, $"{timing.Slowest:F1}-{timing.Fastest:F1}"),
                statistics.TargetCalls.ToString(Invariant), statistics.DraftedTokens == 0 ? "-" : statistics.AcceptanceRate.ToString("P1", Invariant));
        }
        console.Write(table);
        double? speedUp = timings.Count == 2 && timings[0].Timing.TokensPerSecond > 0 ? timings[1].Timing.TokensPerSecond / timings[0].Timing.TokensPerSecond : null;
        if (speedUp is double ratio) console.WriteLine(string.Create(Invariant, $"speed-up: {ratio:F2}x (speculative over plain, {settings.MaxTokens} greedy tokens, median of {settings.Runs} runs)"));
        var costTable = new Table().Border(TableBorder.Simple).AddColumns("call", $"ms (median of {CallRepeats})");
        foreach (var cost in costs) costTable.AddRow(cost.Call, cost.Milliseconds.ToString("F3", Invariant));
        console.Write(costTable);

        if (settings.Json is not null)
        {
            JsonFile.Write(settings.Json, Measurements(settings, pair, timings, speedUp, costs), "--json");
            console.WriteLine($"wrote {settings.Json}");
        }
        return 0;
    }

    static List<DecodeMeasurement> Measurements(BenchSettings settings, ModelPair pair, List<(string Name, DecodeTiming Timing)> timings, double? speedUp,
        List<CallCost> costs)
    {
        var rows = timings.Select(t => new DecodeMeasurement
        {
            Decoder = t.Name,
            Value = t.Timing.TokensPerSecond,
            Unit = "tokens/s",
            Tokens = settings.MaxTokens,
            Runs = settings.Runs,
            DraftTokens = t.Name == "speculative" && settings.Speculation.Mode == Runtime.Decoding.SpeculationMode.Chain ? settings.DraftTokens : null,
            Mode = t.Name == "speculative" ? SpeculationFlags.Name(settings.Speculation.Mode) : null,
            AcceptanceRate = t.Name == "speculative" ? t.Timing.Last.Statistics.AcceptanceRate : null,
            TargetCalls = t.Timing.Last.Statistics.TargetCalls,
            Target = pair.TargetDirectory,
            Draft = pair.DraftDirectory,
            Machine = RunInfo.Machine,
            Commit = RunInfo.Commit,
        }).ToList();
        if (speedUp is double ratio)
        {
            rows.Add(new DecodeMeasurement
            {
                Decoder = "speed_up", Value = ratio, Unit = "x", Tokens = settings.MaxTokens, Runs = settings.Runs, DraftTokens = settings.DraftTokens,
                Target = pair.TargetDirectory, Draft = pair.DraftDirectory, Machine = RunInfo.Machine, Commit = RunInfo.Commit,
            });
        }
        rows.AddRange(costs.Select(cost => new DecodeMeasurement
        {
            Benchmark = "call", Decoder = cost.Call, Value = cost.Milliseconds, Unit = "ms", Runs = CallRepeats,
            DraftTokens = pair.Draft is null ? null : settings.DraftTokens,
            Target = pair.TargetDirectory, Draft = pair.DraftDirectory, Machine = RunInfo.Machine, Commit = RunInfo.Commit,
        }));
        return rows;
    }
}
