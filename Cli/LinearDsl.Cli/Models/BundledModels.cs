using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Diagnostics;
namespace LinearDsl.Cli;

/// <summary>
/// The bundled target and draft checkpoints: <c>Models/bundled/target</c> and <c>Models/bundled/draft</c> under the repository root
/// (found by walking up from the current directory to the folder holding LinearDsl.sln), or where the LinearDsl.Models
/// package puts them in an application's (or the installed tool's) directory, <c>lineardsl-bundled/target</c> and
/// <c>lineardsl-bundled/draft</c>.
/// </summary>
public static class BundledModels
{
    /// <summary>Directory of the bundled target, relative to a search root.</summary>
    public const string TargetPath = "Models/bundled/target";

    /// <summary>Directory of the bundled draft, relative to a search root.</summary>
    public const string DraftPath = "Models/bundled/draft";

    /// <summary>The repository root (if the current directory lies in one) and the executable's directory.</summary>
    public static IReadOnlyList<string> DefaultSearchRoots()
    {
        var roots = new List<string>();
        if (FindRepositoryRoot(Directory.GetCurrentDirectory()) is string root) roots.Add(root);
        if (FindRepositoryRoot(AppContext.BaseDirectory) is string exeRoot && !roots.Contains(exeRoot)) roots.Add(exeRoot);
        roots.Add(AppContext.BaseDirectory);
        return roots;
    }

    /// <summary>The first root holding both bundled checkpoints, as (target, draft); throws one clear line when none does.</summary>
    /// <exception cref="CliException">No root holds the bundled pair.</exception>
    public static (string Target, string Draft) Locate(IReadOnlyList<string> searchRoots)
    {
        foreach (var root in searchRoots)
        {
            foreach (var (targetPath, draftPath) in new[] { (TargetPath, DraftPath), (BundledCheckpoints.TargetPath, BundledCheckpoints.DraftPath) })
            {
                string target = Path.Combine(root, targetPath), draft = Path.Combine(root, draftPath);
                if (Directory.Exists(target) && Directory.Exists(draft)) return (target, draft);
            }
        }
        string places = searchRoots.Count == 0 ? "nowhere" : string.Join(" or ", searchRoots.Select(r => $"'{r}'"));
        throw new CliException($"no bundled models ({TargetPath} and {DraftPath}, or {BundledCheckpoints.TargetPath} and {BundledCheckpoints.DraftPath}, not found under {places}); " +
            "pass checkpoint directories with --target DIR --draft DIR.");
    }

    /// <summary>The nearest directory at or above <paramref name="start"/> that holds LinearDsl.sln, or null.</summary>
    public static string? FindRepositoryRoot(string start) => RunInfo.FindRepositoryRoot(start);
}
