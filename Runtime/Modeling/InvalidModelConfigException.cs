namespace LinearDsl.Runtime.Modeling;

/// <summary>A <see cref="ModelConfig"/> that cannot build a model; <see cref="Problems"/> lists every reason.</summary>
public sealed class InvalidModelConfigException : ArgumentException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public InvalidModelConfigException(IReadOnlyList<string> problems)
        : base("The model config is invalid:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)))
    {
        Problems = problems;
    }

    /// <summary>Each problem, in words that say what to change.</summary>
    public IReadOnlyList<string> Problems { get; }
}
