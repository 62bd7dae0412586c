using ScottPlot;

namespace LinearDsl.Cli;

/// <summary>Writes figures whole, as <see cref="JsonFile"/> writes JSON: to a temporary file beside the target, then renamed.</summary>
public static class PngFile
{
    /// <summary>Renders a figure to a PNG file.</summary>
    /// <param name="plot">The figure.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="what">What the figure is, for the error line, e.g. "the loss curve".</param>
    /// <exception cref="CliException">The file cannot be written.</exception>
    public static void Write(Plot plot, string path, int width, int height, string what)
    {
        string temp = path + $".{Guid.NewGuid():N}.tmp.png";
        try
        {
            plot.SavePng(temp, width, height);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            TemporaryFile.TryDelete(temp);
            throw new CliException($"cannot write {what} '{path}': {error.Message}");
        }
    }
}
