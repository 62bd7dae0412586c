using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Registers LinearDsl's models, tokenizer, decoder, text generator and chat client.</summary>
/// <remarks>
/// Registered services (all singletons, created on first use and disposed with the container):
/// <list type="bullet">
/// <item><see cref="CausalLanguageModel"/> keyed <see cref="LinearDslServiceKeys.Target"/> ("target") and, when configured,
/// <see cref="LinearDslServiceKeys.Draft"/> ("draft"): loaded from their checkpoint directories or created by the
/// factories given in code;</item>
/// <item><see cref="ITextTokenizer"/>: <see cref="TextTokenizers.Create"/> of <see cref="LinearDslOptions.Tokenizer"/>;</item>
/// <item><see cref="ITokenDecoder"/>: when speculation is on (see <see cref="LinearDslSpeculationOptions.Enabled"/>) a
/// <see cref="SpeculativeDecoder"/> in mode Chain or a <see cref="TreeSpeculativeDecoder"/> in the tree modes, else a
/// <see cref="PlainDecoder"/> of the target;</item>
/// <item><see cref="ITextGenerator"/> (<see cref="TextGenerator"/>, or <see cref="Seq2SeqTextGenerator"/> when the target
/// checkpoint's config.json says architecture "seq2seq") and <see cref="IChatClient"/> (<see cref="LinearDslChatClient"/>,
/// registered with <c>AddChatClient</c>: add middleware through <see cref="LinearDslBuilder.ChatClient"/>);</item>
/// <item>for an encoder target (architecture "encoder"): <see cref="EncoderModel"/> keyed "target" and
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of string and <see cref="Embedding{T}"/> of float
/// (<see cref="LinearDslEmbeddingGenerator"/>, registered with <c>AddEmbeddingGenerator</c>: middleware through
/// <see cref="LinearDslBuilder.EmbeddingGenerator"/>); for a seq2seq target, <see cref="Seq2SeqModel"/> keyed "target" (and
/// "draft": a seq2seq draft checkpoint makes the text generator a <see cref="TextGenerator"/> over a
/// <see cref="Seq2SeqSpeculativeDecoder"/>).</item>
/// </list>
/// <see cref="LinearDslOptions"/> are validated by <see cref="LinearDslOptionsValidator"/> when the host starts
/// (<c>ValidateOnStart</c>); without a host, call <c>IStartupValidator.Validate()</c> or resolve any of these services.
/// </remarks>
public static class LinearDslServiceCollectionExtensions
{
    /// <summary>Adds LinearDsl with options bound from the section <paramref name="sectionName"/> of <paramref name="configuration"/>.</summary>
    /// <exception cref="InvalidOperationException">AddLinearDsl was already called on <paramref name="services"/>.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "The AddLinearDsl overloads differ in the type of their first required parameter (configuration, options delegate, model factory), so no call is ambiguous; new settings go into LinearDslOptions, not new parameters.")]
    public static LinearDslBuilder AddLinearDsl(this IServiceCollection services, IConfiguration configuration, string sectionName = LinearDslOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        var builder = AddCore(services, sectionName);
        builder.Options.Bind(configuration.GetSection(sectionName));
        return builder;
    }

    /// <summary>Adds LinearDsl with options set in code.</summary>
    /// <exception cref="InvalidOperationException">AddLinearDsl was already called on <paramref name="services"/>.</exception>
    public static LinearDslBuilder AddLinearDsl(this IServiceCollection services, Action<LinearDslOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(services, LinearDslOptions.SectionName).Configure(configure);
    }

    /// <summary>
    /// Adds LinearDsl over models created in code: <paramref name="target"/> and, if given, <paramref name="draft"/> run once
    /// each and the container disposes what they return. Other settings come from <paramref name="configure"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">AddLinearDsl was already called on <paramref name="services"/>.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "The AddLinearDsl overloads differ in the type of their first required parameter (configuration, options delegate, model factory), so no call is ambiguous; new settings go into LinearDslOptions, not new parameters.")]
    public static LinearDslBuilder AddLinearDsl(this IServiceCollection services, Func<IServiceProvider, CausalLanguageModel> target,
        Func<IServiceProvider, CausalLanguageModel>? draft = null, Action<LinearDslOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var builder = AddCore(services, LinearDslOptions.SectionName).UseTargetModel(target);
        if (draft is not null) builder.UseDraftModel(draft);
        if (configure is not null) builder.Configure(configure);
        return builder;
    }

    static LinearDslBuilder AddCore(IServiceCollection services, string sectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(LinearDslRegistration)))
            throw new InvalidOperationException("AddLinearDsl was already called on this service collection; configure that registration through the LinearDslBuilder it returned.");
        var registration = new LinearDslRegistration(sectionName);
        services.AddSingleton(registration);
        var options = services.AddOptions<LinearDslOptions>().ValidateOnStart();
        // Process-wide, like the pool it sizes; a value out of range is left to the validator's message.
        options.PostConfigure(o => { if (o.DecodeThreads is >= 1 and <= FusedDecoding.MaxThreads) FusedDecoding.Threads = o.DecodeThreads.Value; });
        services.AddSingleton<IValidateOptions<LinearDslOptions>>(sp => new LinearDslOptionsValidator(sp, registration));

        services.AddKeyedSingleton<CausalLanguageModel>(LinearDslServiceKeys.Target, (sp, _) => registration.CreateTarget(sp));
        services.AddKeyedSingleton<CausalLanguageModel>(LinearDslServiceKeys.Draft, (sp, _) => registration.CreateDraft(sp));
        services.AddSingleton<ITextTokenizer>(sp => TextTokenizers.Create(Options(sp).Tokenizer));
        services.AddSingleton<ITokenDecoder>(sp =>
        {
            var settings = Options(sp);
            var targetModel = sp.GetRequiredKeyedService<CausalLanguageModel>(LinearDslServiceKeys.Target);
            if (!registration.Speculates(settings)) return new PlainDecoder(targetModel);
            var speculation = settings.Speculation.ToSpeculationOptions();
            if (speculation.Mode == SpeculationMode.Heads) return new TreeSpeculativeDecoder(targetModel, null, speculation);
            var draftModel = sp.GetRequiredKeyedService<CausalLanguageModel>(LinearDslServiceKeys.Draft);
            return speculation.Mode == SpeculationMode.Chain
                ? new SpeculativeDecoder(targetModel, draftModel, speculation)
                : new TreeSpeculativeDecoder(targetModel, draftModel, speculation);
        });
        services.AddKeyedSingleton<EncoderModel>(LinearDslServiceKeys.Target, (sp, _) => registration.Load<EncoderModel>(sp, Options(sp).Target, LinearDslServiceKeys.Target));
        services.AddKeyedSingleton<Seq2SeqModel>(LinearDslServiceKeys.Target, (sp, _) => registration.Load<Seq2SeqModel>(sp, Options(sp).Target, LinearDslServiceKeys.Target));
        services.AddKeyedSingleton<Seq2SeqModel>(LinearDslServiceKeys.Draft, (sp, _) => registration.Load<Seq2SeqModel>(sp, Options(sp).Draft, LinearDslServiceKeys.Draft));
        // The target checkpoint's architecture picks the text generator: a causal LM continues the prompt, an
        // encoder-decoder takes it as its source; an encoder generates no text (it embeds, below).
        services.AddSingleton<ITextGenerator>(sp =>
        {
            var settings = Options(sp);
            return registration.TargetArchitecture(sp) switch
            {
                // With a seq2seq draft, the speculative seq2seq decoder (greedy output identical to plain decoding).
                ModelArchitecture.Seq2Seq when registration.Speculates(settings) => new TextGenerator(sp.GetRequiredService<ITextTokenizer>(),
                    new Seq2SeqSpeculativeDecoder(sp.GetRequiredKeyedService<Seq2SeqModel>(LinearDslServiceKeys.Target),
                        sp.GetRequiredKeyedService<Seq2SeqModel>(LinearDslServiceKeys.Draft), settings.Speculation.ToSpeculationOptions()),
                    settings.Generation, sp.GetService<ILogger<TextGenerator>>()),
                ModelArchitecture.Seq2Seq => new Seq2SeqTextGenerator(sp.GetRequiredService<ITextTokenizer>(),
                    sp.GetRequiredKeyedService<Seq2SeqModel>(LinearDslServiceKeys.Target), settings.Generation, sp.GetService<ILogger<Seq2SeqTextGenerator>>()),
                ModelArchitecture.Encoder => throw new InvalidOperationException(
                    $"The target checkpoint '{settings.Target.CheckpointDirectory}' is an encoder, which generates no text; resolve IEmbeddingGenerator<string, Embedding<float>> for its embeddings, or configure a causal LM or seq2seq checkpoint."),
                _ => new TextGenerator(sp.GetRequiredService<ITextTokenizer>(), sp.GetRequiredService<ITokenDecoder>(),
                    settings.Generation, sp.GetService<ILogger<TextGenerator>>()),
            };
        });
        // Through Microsoft.Extensions.AI's builder, so the host can add middleware (UseLogging, UseOpenTelemetry,
        // UseDistributedCache, ...) to LinearDslBuilder.ChatClient.
        var chatClient = services.AddChatClient(sp => new LinearDslChatClient(sp.GetRequiredService<ITextGenerator>(), Options(sp).ModelId));
        // Likewise LinearDslBuilder.EmbeddingGenerator (UseLogging, UseDistributedCache, ...).
        var embeddingGenerator = services.AddEmbeddingGenerator<string, Embedding<float>>(sp =>
        {
            var settings = Options(sp);
            var architecture = registration.TargetArchitecture(sp);
            if (architecture != ModelArchitecture.Encoder)
                throw new InvalidOperationException(
                    $"IEmbeddingGenerator needs an encoder checkpoint (config.json architecture \"encoder\"), but the target is {ModelArchitectures.Describe(architecture)}; set {registration.SectionName}:Target:CheckpointDirectory to an encoder checkpoint.");
            return new LinearDslEmbeddingGenerator(sp.GetRequiredKeyedService<EncoderModel>(LinearDslServiceKeys.Target), sp.GetRequiredService<ITextTokenizer>(), settings.ModelId);
        });
        return new LinearDslBuilder(services, options, registration, chatClient, embeddingGenerator);
    }

    /// <summary>The validated options (resolving them runs the validator first).</summary>
    static LinearDslOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<LinearDslOptions>>().Value;
}
