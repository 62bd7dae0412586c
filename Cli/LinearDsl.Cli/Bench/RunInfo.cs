using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LinearDsl.Cli;

/// <summary>Which machine and which commit produced a measurement.</summary>
public static class RunInfo
{
    public static string Machine { get; } = DescribeMachine();

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
            string directory = BundledModels.FindRepositoryRoot(Directory.GetCurrentDirectory())
                ?? BundledModels.FindRepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
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
}
