namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>
/// Committed text baselines under TestData/ (copied next to the tests). To rewrite them after a deliberate change,
/// set LINEARDSL_WRITE_BASELINES to the source TestData directory and run the tests once.
/// </summary>
public static class Baselines
{
    public static void Check(string relativePath, string actual)
    {
        string? rewriteRoot = Environment.GetEnvironmentVariable("LINEARDSL_WRITE_BASELINES");
        if (!string.IsNullOrEmpty(rewriteRoot))
        {
            string target = Path.Combine(rewriteRoot, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, actual);
            return;
        }
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", relativePath);
        File.Exists(path).Should().BeTrue($"the baseline TestData/{relativePath} must be committed; the current output is:\n{actual}");
        File.ReadAllText(path).ReplaceLineEndings("\n").Should().Be(actual,
            $"TestData/{relativePath} is the compatibility contract; if the change is deliberate, rewrite it (see {nameof(Baselines)})");
    }
}
