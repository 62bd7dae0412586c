using LinearDsl.Runtime.Diagnostics;
using System.Text.Json;
using LinearDsl.Benchmarks;

// LinearDsl benchmarks. Each writes one JSON array (measurements, then checks) with --json PATH.
const string Usage = "usage: dotnet run -c Release --project Benchmarks -- (kernels | speculative | generated | serve | " + PeersSettings.Usage + ") [--quick] [--json PATH] (speculative: [--bundled] [--decode-threads N] [--repeats N])";
if (args.Length == 0 || args[0] is not ("kernels" or "speculative" or "generated" or "serve" or "peers"))
{
    Console.Error.WriteLine(args.Length == 0 ? $"Name a benchmark. {Usage}" : $"Unknown benchmark '{args[0]}'. {Usage}");
    return 2;
}
bool quick = false;
string? jsonPath = null;
var peersOptions = new List<string>();
bool bundledOnly = false;
int? decodeThreads = null;
int? repeats = null;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": quick = true; break;
        case "--json" when i + 1 < args.Length: jsonPath = args[++i]; break;
        case "--json": Console.Error.WriteLine($"--json needs a file path. {Usage}"); return 2;
        case "--bundled" when args[0] == "speculative": bundledOnly = true; break;
        case "--decode-threads" when args[0] == "speculative" && i + 1 < args.Length && int.TryParse(args[i + 1], out int threads)
            && threads is >= 1 and <= LinearDsl.Runtime.Fused.FusedDecoding.MaxThreads:
            decodeThreads = threads;
            i++;
            break;
        case "--repeats" when args[0] == "speculative" && i + 1 < args.Length && int.TryParse(args[i + 1], out int count) && count is >= 1 and <= 101:
            repeats = count;
            i++;
            break;
        case "--repeats": Console.Error.WriteLine($"--repeats needs a count of timed passes from 1 to 101. {Usage}"); return 2;
        case "--decode-threads": Console.Error.WriteLine($"--decode-threads needs a thread count from 1 to {LinearDsl.Runtime.Fused.FusedDecoding.MaxThreads}. {Usage}"); return 2;
        case "--contexts" or "--sizes" or "--threads" or "--engines" when args[0] == "peers":
            peersOptions.Add(args[i]);
            if (i + 1 < args.Length) peersOptions.Add(args[++i]);
            break;
        default: Console.Error.WriteLine($"Unknown option '{args[i]}'. {Usage}"); return 2;
    }
}

Console.WriteLine($"{args[0]} benchmarks ({(quick ? "quick" : "full")}) on {RunInfo.Machine}, commit {RunInfo.Commit}");
List<object> rows;
if (args[0] == "kernels")
{
    var results = new KernelBenchmarks(quick ? KernelBenchmarkSettings.Quick : KernelBenchmarkSettings.Full, Console.Out).Run();
    var checks = Targets.Check(results);
    Console.WriteLine();
    foreach (var c in checks)
        Console.WriteLine($"{(c.Met ? "met   " : "MISSED")} {c.Target}: {c.Value:G4} (limit {c.Limit})");
    rows = results.Cast<object>().Concat(checks).ToList();
    if (jsonPath is not null) WritePlot(jsonPath, "decode-latency.png", path => Plots.DecodeLatency(results, path));
}
else if (args[0] == "serve")
{
    rows = await new ServeBenchmarks(quick, Console.Out).RunAsync();
}
else if (args[0] == "peers")
{
    var settings = PeersSettings.Parse(peersOptions, quick, out var error);
    if (settings is null)
    {
        Console.Error.WriteLine($"{error} {Usage}");
        return 2;
    }
    var (results, checks) = new PeersBenchmarks(settings, Console.Out).Run();
    rows = results.Cast<object>().Concat(checks).ToList();
}
else if (args[0] == "generated")
{
    rows = new GeneratedBenchmarks(quick, Console.Out).Run().Cast<object>().ToList();
}
else
{
    // --decode-threads pins the decode programs' threads (e.g. 1 on a machine whose other core is busy).
    if (decodeThreads is int pinned) LinearDsl.Runtime.Fused.FusedDecoding.Threads = pinned;
    Console.WriteLine($"decode threads {LinearDsl.Runtime.Fused.FusedDecoding.Threads}, load average {LoadAverages.OneMinute()}");
    var results = bundledOnly ? [] : new SpeculativeBenchmarks(quick, Console.Out).Run();
    // The bundled pair: plain, chain, tree, heads, heads + draft, and the tree-size sweep (not in the synthetic plot);
    // then what one verification costs against the number of nodes it checks.
    var bundled = new SpeculativeTreeBenchmarks(quick, Console.Out, repeats).Run();
    var costs = new VerifyCostBenchmarks(quick, Console.Out).Run();
    rows = results.Cast<object>().Concat(bundled).Concat(costs).ToList();
    if (jsonPath is not null && !bundledOnly) WritePlot(jsonPath, "speculative.png", path => Plots.Speculation(results, path));
    if (jsonPath is not null) WritePlot(jsonPath, "speculative-trees.png", path => Plots.Trees(bundled, costs, path));
}

if (jsonPath is not null)
{
    var full = Path.GetFullPath(jsonPath);
    Directory.CreateDirectory(Path.GetDirectoryName(full)!);
    var temp = full + ".tmp";
    await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(rows, rows.GetType(), new JsonSerializerOptions { WriteIndented = true }));
    File.Move(temp, full, overwrite: true);
    Console.WriteLine($"wrote {full}");
}
return 0;

// A PNG beside the JSON (same folder), named after the benchmark.
static void WritePlot(string jsonPath, string name, Action<string> draw)
{
    string folder = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
    Directory.CreateDirectory(folder);
    string path = Path.Combine(folder, name);
    draw(path);
    Console.WriteLine($"wrote {path}");
}
