namespace LinearDsl.Testing;

/// <summary>Sizes and tolerances of the conformance checks.</summary>
public sealed record MixerConformanceOptions
{
    /// <summary>Rows per batch. Default 2.</summary>
    public long Batch { get; init; } = 2;

    /// <summary>Tokens of the test sequence. Default 19.</summary>
    public long Length { get; init; } = 19;

    /// <summary>Largest allowed absolute difference between the forms in float64. Default 1e-9.</summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>Seed of the random inputs. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Steps of the leak check. Default 1,000.</summary>
    public int LeakSteps { get; init; } = 1000;
}
