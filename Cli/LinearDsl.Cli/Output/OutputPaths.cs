namespace LinearDsl.Cli;

/// <summary>
/// Checks where results will go before the work starts: an output directory must not be a file and must be
/// writable, an output file must not be a directory, and nothing is ever written over an input checkpoint.
/// </summary>
public static class OutputPaths
{
    /// <summary>Throws unless <paramref name="directory"/> (given by <paramref name="option"/>) can be created or written to.</summary>
    /// <exception cref="CliException">It is a file, or it (or the folder it would be created in) is not writable.</exception>
    public static void CheckDirectory(string directory, string option)
    {
        string full = Path.GetFullPath(directory);
        if (File.Exists(full)) throw new CliException($"{option} '{directory}' is an existing file; {option} names a directory. Choose another path.");
        CheckWritable(NearestExisting(full, directory, option), directory, option);
    }

    /// <summary>Throws unless the file <paramref name="path"/> (given by <paramref name="option"/>) can be written.</summary>
    /// <exception cref="CliException">It is a directory, or its folder is not writable.</exception>
    public static void CheckFile(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new CliException($"{option} '{path}' is an existing directory; {option} names a file. Choose a file name.");
        CheckWritable(NearestExisting(Path.GetDirectoryName(full) ?? full, path, option), path, option);
    }

    /// <summary>
    /// Throws when <paramref name="output"/> is <paramref name="input"/>, lies inside it or contains it: writing there
    /// would overwrite or mix with the checkpoint being read.
    /// </summary>
    /// <exception cref="CliException">The two overlap.</exception>
    public static void CheckNotInput(string output, string outOption, string input, string inOption)
    {
        string o = Canonical(output), i = Canonical(input);
        string? relation = o == i ? "is" : o.StartsWith(i, StringComparison.Ordinal) ? "is inside" : i.StartsWith(o, StringComparison.Ordinal) ? "contains" : null;
        if (relation is not null)
            throw new CliException($"{outOption} '{output}' {relation} the input {inOption} '{input}'; the input is never written over. Choose a separate {outOption} directory.");
    }

    /// <summary>The full path with one trailing separator and symbolic links of existing folders resolved, so that prefixes compare folders.</summary>
    static string Canonical(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            if (Directory.Exists(full) && new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target) full = target.FullName;
        }
        catch (IOException)
        {
        }
        return Path.TrimEndingDirectorySeparator(full) + Path.DirectorySeparatorChar;
    }

    static string NearestExisting(string full, string given, string option)
    {
        string? current = full;
        while (current is not null && !Directory.Exists(current))
        {
            if (File.Exists(current)) throw new CliException($"{option} '{given}' cannot be created: '{current}' is a file.");
            current = Path.GetDirectoryName(current);
        }
        return current ?? throw new CliException($"{option} '{given}' has no existing parent folder.");
    }

    /// <summary>Creates and deletes a probe file in <paramref name="folder"/>: the only sure test that it accepts files.</summary>
    static void CheckWritable(string folder, string given, string option)
    {
        string probe = Path.Combine(folder, $".lineardsl-write-probe-{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option} '{given}' is not writable ('{folder}' refuses new files: {error.Message}); choose another path.");
        }
    }
}
