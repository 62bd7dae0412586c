namespace LinearDsl.Study;

/// <summary>How study reports name files.</summary>
public static class StudyPaths
{
    /// <summary>
    /// <paramref name="path"/> as a report shows it: relative to the working directory when inside it (a committed
    /// report then names the file as a clone has it, not as the machine that ran it did), else in full.
    /// </summary>
    public static string Shown(string path)
    {
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative.Replace('\\', '/');
    }
}
