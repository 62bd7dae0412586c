namespace LinearDsl.Runtime.Checkpoints;

/// <summary>
/// Writes a file through a temporary name in the same directory and renames it over the target, so that the
/// target is either the old file or the complete new one, never half-written (a crash leaves only the temporary).
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        DeleteStaleTemporaries(directory, Path.GetFileName(target));
        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Deletes temporaries of <paramref name="name"/> (<c>.NAME.GUID.tmp</c>) that a killed writer left: only that
    /// exact pattern, and only files untouched for a minute, so a writer busy with the same file keeps its own.
    /// </summary>
    static void DeleteStaleTemporaries(string directory, string name)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var file in Directory.EnumerateFiles(directory, $".{name}.*.tmp"))
        {
            string guid = Path.GetFileName(file)[(name.Length + 2)..^4];
            if (guid.Length == 32 && guid.All(char.IsAsciiHexDigitLower) && File.GetLastWriteTimeUtc(file) < DateTime.UtcNow - StaleAfter) TryDelete(file);
        }
    }

    /// <summary>How long a temporary must have been left alone before it counts as a killed writer's.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error matters more than a temporary file we could not remove.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
