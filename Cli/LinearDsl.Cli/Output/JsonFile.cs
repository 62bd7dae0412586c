using System.Text.Json;

namespace LinearDsl.Cli;

/// <summary>Writes JSON results whole: to a temporary file beside the target, then renamed, so a reader never sees half a file.</summary>
public static class JsonFile
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Serializes <paramref name="value"/> (indented) to <paramref name="path"/>, creating its directory.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="value">The object to serialize (its JSON property names come from its attributes).</param>
    /// <param name="what">What the file is, for the error line, e.g. "--json".</param>
    /// <exception cref="CliException">The file cannot be written.</exception>
    public static void Write<T>(string path, T value, string what)
    {
        string temp = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null) Directory.CreateDirectory(directory);
            File.WriteAllText(temp, JsonSerializer.Serialize(value, Indented) + "\n");
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            TemporaryFile.TryDelete(temp);
            throw new CliException($"cannot write {what} '{path}': {error.Message}");
        }
    }
}
