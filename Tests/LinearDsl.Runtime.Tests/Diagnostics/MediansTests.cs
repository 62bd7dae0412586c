using System.Text.RegularExpressions;
using LinearDsl.Runtime.Diagnostics;

namespace LinearDsl.Runtime.Tests.Diagnostics;

public sealed class MediansTests
{
    [Fact]
    public void The_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones()
    {
        Medians.Of([5.0, 1.0, 3.0]).Should().Be(3.0);
        Medians.Of([4.0, 1.0, 3.0, 10.0]).Should().Be(3.5, "an even count takes the mean of the two middle values");
        Medians.Of([2.0, 1.0]).Should().Be(1.5);
        Medians.Of([]).Should().Be(double.NaN);
    }

    // A median of its own (a local Median method, or the element at Count / 2 of a sorted list) in the command line or
    // the benchmarks would report a different figure than Medians.Of for an even number of samples.
    static readonly Regex OwnMedian = new(@"(^|[^.\w])Median\s*\(|\[\s*\w+\.(Count|Length)\s*/\s*2\s*\]|ElementAt\(\s*\w+\.(Count|Length)\s*/\s*2\s*\)");

    // GenerateCommand picks the run of median time: a whole run, not a value, so it cannot average two.
    static readonly string[] PicksARun = ["GenerateCommand.cs"];

    [Fact]
    public void Every_timing_of_the_command_line_and_the_benchmarks_takes_its_median_from_Medians_Of()
    {
        string root = RunInfo.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var offenders = new[] { "Benchmarks", "Cli" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(path => !PicksARun.Contains(Path.GetFileName(path)))
            .SelectMany(path => File.ReadLines(path).Select((line, i) => (path, line, i)))
            .Where(x => OwnMedian.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(root, x.path)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        offenders.Should().BeEmpty("one median helper, Medians.Of, serves every timing");
    }
}
