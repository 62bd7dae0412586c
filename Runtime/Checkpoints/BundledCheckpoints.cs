namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// Where the bundled target and draft checkpoints and their training corpus live once the <c>LinearDsl.Models</c>
/// package (or, inside this repository, its project) is referenced: <c>lineardsl-bundled/target</c>,
/// <c>lineardsl-bundled/draft</c> and <c>lineardsl-bundled/kjv.txt</c> under the application's base directory.
/// The hosting options accept the names <c>bundled:target</c> and <c>bundled:draft</c> for the two checkpoints.
/// </summary>
public static class BundledCheckpoints
{
    /// <summary>The prefix of a bundled checkpoint's name in configuration, as in <c>bundled:target</c>.</summary>
    public const string Scheme = "bundled:";

    /// <summary>The folder under the application's base directory that holds the bundled files.</summary>
    public const string FolderName = "lineardsl-bundled";

    /// <summary>The bundled target's directory relative to the application's base directory.</summary>
    public const string TargetPath = FolderName + "/target";

    /// <summary>The bundled draft's directory relative to the application's base directory.</summary>
    public const string DraftPath = FolderName + "/draft";

    /// <summary>The bundled corpus relative to the application's base directory.</summary>
    public const string CorpusPath = FolderName + "/kjv.txt";

    /// <summary>The bundled target's checkpoint directory.</summary>
    public static string TargetDirectory => Path.Combine(AppContext.BaseDirectory, TargetPath);

    /// <summary>The bundled draft's checkpoint directory.</summary>
    public static string DraftDirectory => Path.Combine(AppContext.BaseDirectory, DraftPath);

    /// <summary>The bundled training corpus (King James Version, public domain, UTF-8).</summary>
    public static string CorpusFile => Path.Combine(AppContext.BaseDirectory, CorpusPath);

    /// <summary>Whether <paramref name="name"/> names a bundled checkpoint (<c>bundled:target</c> or <c>bundled:draft</c>).</summary>
    public static bool IsBundledName(string name) => name.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>The directory that a bundled name (<c>bundled:target</c> or <c>bundled:draft</c>, any case) stands for,
    /// whether or not the files are there; false for any other name.</summary>
    public static bool TryGetDirectory(string name, out string directory)
    {
        ArgumentNullException.ThrowIfNull(name);
        directory = name.Trim().ToLowerInvariant() switch
        {
            Scheme + "target" => TargetDirectory,
            Scheme + "draft" => DraftDirectory,
            _ => "",
        };
        return directory.Length > 0;
    }

    /// <summary>The directory of a bundled checkpoint named in configuration.</summary>
    /// <exception cref="ArgumentException">The name is not <c>bundled:target</c> or <c>bundled:draft</c>, or the files
    /// are missing (the application does not reference the LinearDsl.Models package).</exception>
    public static string Resolve(string name)
    {
        if (!TryGetDirectory(name, out string directory))
            throw new ArgumentException($"'{name}' is not a bundled checkpoint: use bundled:target or bundled:draft.", nameof(name));
        if (!File.Exists(Path.Combine(directory, "config.json")))
            throw new ArgumentException(MissingMessage(name, directory), nameof(name));
        return directory;
    }

    /// <summary>What to say when a bundled checkpoint's files are not in the application.</summary>
    public static string MissingMessage(string name, string directory)
        => $"'{name}' is not in this application ({directory} is missing): reference the LinearDsl.Models package, which ships the bundled pair.";
}
