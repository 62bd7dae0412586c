namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>A temporary directory per test class instance, deleted afterwards.</summary>
public abstract class HfTempFolder : IDisposable
{
    protected string Root { get; } = Path.Combine(Path.GetTempPath(), "lineardsl-tests", "hf-" + Guid.NewGuid().ToString("N"));

    protected string Folder(string name) => Path.Combine(Root, name);

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
