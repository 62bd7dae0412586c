namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// Default settings of a generation request; each <see cref="TextGenerationRequest"/> (or <c>ChatOptions</c>) value that is
/// set replaces the one here.
/// </summary>
public sealed class LinearDslGenerationOptions
{
    /// <summary>New tokens per request at most. Default 256.</summary>
    public int MaxNewTokens { get; set; } = 256;

    /// <summary>Sampling temperature; 0 is greedy. Default 1.</summary>
    public double Temperature { get; set; } = 1;

    /// <summary>Keep only the k most likely tokens; 0 keeps all. Default 0.</summary>
    public int TopK { get; set; }

    /// <summary>Nucleus sampling threshold in (0, 1]; 1 keeps all. Default 1.</summary>
    public double TopP { get; set; } = 1;

    /// <summary>Seed of the sampler; null (default) draws a new seed for every request.</summary>
    public int? Seed { get; set; }

    /// <summary>Stop sequences of every request (a request's own are added to these). Default none.</summary>
    public List<string> StopSequences { get; set; } = [];
}
