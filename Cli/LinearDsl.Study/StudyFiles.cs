using System.Text.Json;
using LinearDsl.Runtime.Checkpoints;

namespace LinearDsl.Study;

/// <summary>Writes the study's files whole (a temporary file, then a rename), so a reader never sees half a report or figure.</summary>
static class StudyFiles
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Serializes <paramref name="value"/> as indented JSON.</summary>
    public static void WriteJson<T>(string path, T value, string what)
        => WriteText(path, JsonSerializer.Serialize(value, Indented) + "\n", what);

    /// <summary>Writes <paramref name="text"/> as UTF-8.</summary>
    public static void WriteText(string path, string text, string what)
        => Write(path, what, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>Writes a file through <paramref name="write"/>; a failure becomes one line that names <paramref name="what"/> and the path.</summary>
    public static void Write(string path, string what, Action<Stream> write)
    {
        try
        {
            AtomicFile.Write(path, write);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StudyException($"cannot write {what} '{path}': {error.Message}");
        }
    }
}
