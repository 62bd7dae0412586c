using LinearDsl.Runtime.Checkpoints;

namespace LinearDsl.Cli;

/// <summary>
/// The bundled training corpus <c>Models/corpus/kjv.txt</c> (in a clone) or <c>lineardsl-bundled/kjv.txt</c> (in an application's
/// or the installed tool's directory), found under the same roots as the bundled models.
/// </summary>
public static class BundledCorpus
{
    /// <summary>Path of the bundled corpus, relative to a search root.</summary>
    public const string CorpusPath = "Models/corpus/kjv.txt";

    /// <summary>The first root's bundled corpus file; throws one clear line when no root holds it.</summary>
    /// <exception cref="CliException">No root holds the corpus.</exception>
    public static string Locate(IReadOnlyList<string> searchRoots)
    {
        foreach (var root in searchRoots)
        {
            foreach (var relative in new[] { CorpusPath, BundledCheckpoints.CorpusPath })
            {
                string path = Path.Combine(root, relative);
                if (File.Exists(path)) return path;
            }
        }
        string places = searchRoots.Count == 0 ? "nowhere" : string.Join(" or ", searchRoots.Select(r => $"'{r}'"));
        throw new CliException($"the bundled corpus {CorpusPath} was not found under {places}; pass a text file with --corpus FILE.");
    }
}
