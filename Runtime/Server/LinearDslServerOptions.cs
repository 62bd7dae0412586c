using LinearDsl.Runtime.Decoding.Batching;

namespace LinearDsl.Server;

/// <summary>Settings of the OpenAI-compatible server, bound from the configuration section <see cref="SectionName"/>.</summary>
/// <example>
/// <code>
/// "LinearDsl": {
///   "Target": { "CheckpointDirectory": "bundled:target" },
///   "Server": { "ApiKey": "secret", "MaxBatch": 8, "MaxQueue": 64, "StateCacheBytes": 268435456 }
/// }
/// </code>
/// </example>
public sealed class LinearDslServerOptions
{
    /// <summary>The configuration section read by default: "LinearDsl:Server".</summary>
    public const string SectionName = "LinearDsl:Server";

    /// <summary>When set, every /v1 request must send "Authorization: Bearer KEY" (compared in constant time). Default none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Requests decoded side by side at most. Default 8.</summary>
    public int MaxBatch { get; set; } = 8;

    /// <summary>Requests waiting for a row at most; more get 429. Default 64.</summary>
    public int MaxQueue { get; set; } = 64;

    /// <summary>Bytes of conversation states kept for follow-up turns (least recently used out first); 0 turns the cache off. Default 256 MiB.</summary>
    public long StateCacheBytes { get; set; } = 256L << 20;

    /// <summary>Prompt tokens a request may send at most (400 beyond). Default 8192.</summary>
    public int MaxPromptTokens { get; set; } = 8192;

    /// <summary>Largest max_tokens a request may ask for (400 beyond). Default 4096.</summary>
    public int MaxCompletionTokens { get; set; } = 4096;

    /// <summary>Largest request body in bytes (413 beyond). Default 1 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 1L << 20;

    /// <summary>The batcher's bounds.</summary>
    internal BatchingOptions ToBatchingOptions() => new() { MaxBatch = MaxBatch, MaxQueue = MaxQueue, StateCacheBytes = StateCacheBytes };

    /// <summary>One line naming the first setting that cannot work, or null.</summary>
    internal string? Problem()
    {
        if (MaxBatch < 1) return $"LinearDsl:Server:MaxBatch is {MaxBatch}; give at least 1.";
        if (MaxQueue < 0) return $"LinearDsl:Server:MaxQueue is {MaxQueue}; give 0 or more.";
        if (StateCacheBytes < 0) return $"LinearDsl:Server:StateCacheBytes is {StateCacheBytes}; give 0 (off) or more.";
        if (MaxPromptTokens < 1) return $"LinearDsl:Server:MaxPromptTokens is {MaxPromptTokens}; give at least 1.";
        if (MaxCompletionTokens < 1) return $"LinearDsl:Server:MaxCompletionTokens is {MaxCompletionTokens}; give at least 1.";
        if (MaxRequestBytes < 1) return $"LinearDsl:Server:MaxRequestBytes is {MaxRequestBytes}; give at least 1.";
        if (ApiKey is { Length: 0 }) return "LinearDsl:Server:ApiKey is empty; remove it to serve without a key, or give a key.";
        return null;
    }
}
