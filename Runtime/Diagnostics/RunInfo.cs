using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LinearDsl.Runtime.Diagnostics;

/// <summary>Which machine and which commit produced a measurement (benchmarks, evaluations and training logs).</summary>
internal static class RunInfo
{
    /// <summary>CPU model, core count and operating system.</summary>
    public static string Machine { get; } = DescribeMachine();

    /// <summary>
    /// The instruction sets the fused decode kernels run on: architecture, the vector extensions the CPU has and the
    /// width selected, e.g. "X64 avx512f avx2 fma sse3 -> 512" (<see cref="Fused.FusedIsa"/>).
    /// </summary>
    public static string Isa => Fused.FusedIsa.Description;

    /// <summary>Short hash of the checkout being run, or "unknown".</summary>
    public static string Commit { get; } = GitCommit();

    static string DescribeMachine()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}";
    }

    static string GitCommit()
    {
        try
        {
            // The commit of the checkout being run: the repository around the current directory, else around the executable.
            string directory = FindRepositoryRoot(Directory.GetCurrentDirectory())
                ?? FindRepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = directory,
            });
            if (git is null) return "unknown";
            string sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && sha.Length > 0 ? sha : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    /// <summary>The nearest directory at or above <paramref name="start"/> that holds LinearDsl.sln, or null.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LinearDsl.sln"))) return dir.FullName;
        }
        return null;
    }
}
