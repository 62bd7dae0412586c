namespace LinearDsl.Runtime.Mixers;

/// <summary>The checks every Commit makes before touching a state (shared by mixers and models).</summary>
internal static class CommitChecks
{
    /// <summary>Throws when a pending record cannot be committed to this state with these counts.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2208", Justification = "The error names the parameter of the public Commit that the caller passed, not this helper's.")]
    public static void Check(bool sameState, long pendingVersion, long stateVersion, long candidates, long batch, ReadOnlySpan<long> accepted)
    {
        if (!sameState)
            throw new ArgumentException("The pending record was verified against a different state; commit it to the state passed to Verify.", "pending");
        if (pendingVersion != stateVersion)
            throw new InvalidOperationException($"The state has changed since this verification (version {pendingVersion}, now {stateVersion}); verify again before committing.");
        if (accepted.Length != batch)
            throw new ArgumentException($"Commit needs one accepted count per row: got {accepted.Length}, the batch has {batch}.", nameof(accepted));
        for (int b = 0; b < accepted.Length; b++)
        {
            if (accepted[b] < 0 || accepted[b] > candidates)
                throw new ArgumentOutOfRangeException(nameof(accepted), accepted[b], $"Row {b} accepts {accepted[b]} candidates, but {candidates} were verified.");
        }
    }
}
