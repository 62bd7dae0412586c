namespace LinearDsl.Cli;

/// <summary>Removes the temporary file of a write that failed, so that a failure leaves nothing behind.</summary>
internal static class TemporaryFile
{
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The write's own error is the one to report.
        }
    }
}
