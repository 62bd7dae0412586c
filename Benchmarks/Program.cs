using System.Text.Json;
using LinearDsl.Benchmarks;

// lineardsl benchmarks: `kernels [--quick] [--json PATH]`. Writes one JSON array of measurements and target checks.
const string Usage = "usage: dotnet run -c Release --project Benchmarks -- kernels [--quick] [--json PATH]";
if (args.Length == 0 || args[0] != "kernels")
{
    Console.Error.WriteLine(args.Length == 0 ? $"Name a benchmark. {Usage}" : $"Unknown benchmark '{args[0]}'. {Usage}");
    return 2;
}
var settings = KernelBenchmarkSettings.Full;
string? jsonPath = null;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": settings = KernelBenchmarkSettings.Quick; break;
        case "--json" when i + 1 < args.Length: jsonPath = args[++i]; break;
        case "--json": Console.Error.WriteLine($"--json needs a file path. {Usage}"); return 2;
        default: Console.Error.WriteLine($"Unknown option '{args[i]}'. {Usage}"); return 2;
    }
}

Console.WriteLine($"Kernel benchmarks ({(settings == KernelBenchmarkSettings.Quick ? "quick" : "full")}) on {RunInfo.Machine}, commit {RunInfo.Commit}");
var results = new KernelBenchmarks(settings, Console.Out).Run();
var checks = Targets.Check(results);
Console.WriteLine();
foreach (var c in checks)
    Console.WriteLine($"{(c.Met ? "met   " : "MISSED")} {c.Target}: {c.Value:G4} (limit {c.Limit})");

if (jsonPath is not null)
{
    var rows = results.Cast<object>().Concat(checks).ToList();
    var full = Path.GetFullPath(jsonPath);
    Directory.CreateDirectory(Path.GetDirectoryName(full)!);
    var temp = full + ".tmp";
    await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
    File.Move(temp, full, overwrite: true);
    Console.WriteLine($"wrote {full}");
}
return 0;
