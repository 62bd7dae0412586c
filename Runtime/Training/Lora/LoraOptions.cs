namespace LinearDsl.Runtime.Training;

/// <summary>
/// Settings of low-rank adapters (LoRA): each targeted projection y = x W^T becomes y = x W^T + (Alpha / Rank) x A^T B^T
/// with A [Rank, in] drawn from a seeded uniform distribution and B [out, Rank] zero, so a new adapter leaves the
/// model's function unchanged.
/// </summary>
public sealed record LoraOptions
{
    /// <summary>Rank of each adapter. Default 8.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>Scale numerator: the adapter's product is multiplied by Alpha / Rank. Default 16.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>The projections that get adapters. Default <see cref="LoraTargets.Attention"/>.</summary>
    public LoraTargets Targets { get; init; } = LoraTargets.Attention;

    /// <summary>Seed of the A matrices. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Alpha / Rank.</summary>
    public double Scale => Alpha / Rank;

    /// <summary>Every problem with the options, empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Rank <= 0) problems.Add($"Rank must be positive (got {Rank}).");
        if (!double.IsFinite(Alpha) || Alpha <= 0) problems.Add($"Alpha must be a positive number (got {Alpha}).");
        if (Targets == LoraTargets.None) problems.Add("Targets names no projection; choose at least one, e.g. LoraTargets.Attention.");
        if ((Targets & ~(LoraTargets.AllLayers | LoraTargets.Head)) != 0) problems.Add($"Targets holds unknown flags ({(int)Targets}).");
        return problems;
    }

    /// <summary>Throws when <see cref="Problems"/> finds any.</summary>
    /// <exception cref="ArgumentException">Lists every problem.</exception>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentException("Invalid LoRA options: " + string.Join(" ", problems));
    }
}
