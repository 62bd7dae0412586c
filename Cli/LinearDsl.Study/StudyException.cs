namespace LinearDsl.Study;

/// <summary>A failure of the study that the user can fix (an unknown budget or variant, an unusable corpus, a file that cannot be written); its message is the one line to show.</summary>
public sealed class StudyException(string message) : Exception(message);
