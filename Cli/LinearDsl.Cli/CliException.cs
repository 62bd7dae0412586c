namespace LinearDsl.Cli;

/// <summary>A failure the user can fix (a missing file, a bad combination of options); its message is the one line shown.</summary>
public sealed class CliException(string message) : Exception(message);
