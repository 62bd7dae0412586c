namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// Settings of <see cref="LinearDslServiceCollectionExtensions.AddLinearDsl(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration, string)"/>,
/// bound from the configuration section <see cref="SectionName"/> and validated when the host starts
/// (<see cref="LinearDslOptionsValidator"/>).
/// </summary>
/// <example>
/// <code>
/// "LinearDsl": {
///   "Target": { "CheckpointDirectory": "checkpoints/target" },
///   "Draft":  { "CheckpointDirectory": "checkpoints/draft" },
///   "Tokenizer": "gpt2",
///   "Speculation": { "DraftTokens": 4, "Adaptive": true },
///   "Generation": { "MaxNewTokens": 256, "Temperature": 0.7 }
/// }
/// </code>
/// </example>
public sealed class LinearDslOptions
{
    /// <summary>The configuration section read by default: "LinearDsl".</summary>
    public const string SectionName = "LinearDsl";

    /// <summary>
    /// The model whose distribution the output follows. Give its checkpoint directory here, or register it from code
    /// with <see cref="LinearDslBuilder.UseTargetModel"/> (exactly one of the two).
    /// </summary>
    public LinearDslModelOptions Target { get; set; } = new();

    /// <summary>
    /// The optional cheap model that proposes tokens for speculative decoding. Give its checkpoint directory here, or
    /// register it from code with <see cref="LinearDslBuilder.UseDraftModel"/> (at most one of the two).
    /// </summary>
    public LinearDslModelOptions Draft { get; set; } = new();

    /// <summary>Name of the tokenizer (see <see cref="Tokenization.TextTokenizers.Names"/>): "byte", "byte-eot" or "gpt2". Default "byte".</summary>
    public string Tokenizer { get; set; } = Tokenization.ByteTokenizer.PlainName;

    /// <summary>Whether and how to decode speculatively.</summary>
    public LinearDslSpeculationOptions Speculation { get; set; } = new();

    /// <summary>Settings of a request that does not give its own.</summary>
    public LinearDslGenerationOptions Generation { get; set; } = new();

    /// <summary>
    /// Threads the decode programs split large projections over (<see cref="Fused.FusedDecoding.Threads"/>, process-wide,
    /// set when the options are first read); null keeps the current setting, by default one per core up to 4. Results
    /// are bit-identical for every value.
    /// </summary>
    public int? DecodeThreads { get; set; }

    /// <summary>The model name reported by the chat client (<c>ChatResponse.ModelId</c>). Default "lineardsl".</summary>
    public string ModelId { get; set; } = "lineardsl";
}
