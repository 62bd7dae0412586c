using System.Diagnostics;

namespace LinearDsl.Python.Tests;

/// <summary>
/// Runs the repository's python/lineardsl_torch package with an interpreter that can import torch and numpy:
/// $LINEARDSL_PYTHON, Debian's /usr/bin/python3 (python3-torch), or python3 on the PATH. None found is a test
/// FAILURE that says how to install it (CI installs python3-torch in .ci/run), never a skip.
/// </summary>
public static class PythonTorch
{
    static readonly Lazy<string> Interpreter = new(Find);

    /// <summary>The repository root (the folder holding LinearDsl.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Runs <c>python -m lineardsl_torch</c> with <paramref name="args"/>; throws with its stderr when it fails.</summary>
    public static void Run(params string[] args)
    {
        var (code, output) = Execute(Interpreter.Value, ["-m", "lineardsl_torch", .. args], TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException($"python -m lineardsl_torch {string.Join(' ', args)} failed (exit {code}):\n{output}");
    }

    /// <summary>
    /// Starts the repository's python/<paramref name="script"/> once per entry of <paramref name="environments"/>
    /// (side by side, as torchrun starts its workers) and waits for all; throws with their output when one fails.
    /// </summary>
    public static void RunScripts(string script, IReadOnlyList<IReadOnlyDictionary<string, string>> environments, params string[] args)
    {
        string path = Path.Combine(RepositoryRoot, "python", script);
        var runs = environments.Select(environment => Task.Run(() => Execute(Interpreter.Value, [path, .. args], TimeSpan.FromMinutes(3), environment))).ToArray();
        Task.WaitAll(runs);
        for (int i = 0; i < runs.Length; i++)
        {
            var (code, output) = runs[i].Result;
            if (code != 0) throw new InvalidOperationException($"python {script} {string.Join(' ', args)} (process {i}) failed (exit {code}):\n{output}");
        }
    }

    static string Find() => Find([Environment.GetEnvironmentVariable("LINEARDSL_PYTHON"), "/usr/bin/python3", "python3"]);

    /// <summary>The first of <paramref name="candidates"/> that imports torch and numpy; else an error that says how to get one.</summary>
    internal static string Find(IEnumerable<string?> candidates)
    {
        var tried = new List<string>();
        foreach (string? candidate in candidates)
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            tried.Add(candidate);
            try
            {
                if (Execute(candidate, ["-c", "import torch, numpy"], TimeSpan.FromMinutes(1)).Code == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed: try the next one.
            }
        }
        throw new InvalidOperationException(
            $"No Python with PyTorch found (tried {string.Join(", ", tried)}): the parity tests need torch and numpy. Install Debian's "
            + "packages (apt-get install python3-torch python3-numpy, as .ci/run does) or set LINEARDSL_PYTHON to an interpreter that imports torch.");
    }

    static (int Code, string Output) Execute(string file, string[] args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        info.Environment["PYTHONPATH"] = Path.Combine(RepositoryRoot, "python");
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LinearDsl.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"LinearDsl.sln not found above {AppContext.BaseDirectory}.");
    }
}
