namespace LinearDsl.Testing;

/// <summary>A mixer failed a conformance check; the message names the check and what was observed.</summary>
public sealed class MixerConformanceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MixerConformanceException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MixerConformanceException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MixerConformanceException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
