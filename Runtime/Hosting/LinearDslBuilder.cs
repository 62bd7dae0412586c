using LinearDsl.Runtime.Modeling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Returned by <c>AddLinearDsl</c>: further configuration of the same registration.</summary>
public sealed class LinearDslBuilder
{
    readonly LinearDslRegistration _registration;

    internal LinearDslBuilder(IServiceCollection services, OptionsBuilder<LinearDslOptions> options, LinearDslRegistration registration,
        ChatClientBuilder chatClient, EmbeddingGeneratorBuilder<string, Embedding<float>> embeddingGenerator)
    {
        Services = services;
        Options = options;
        ChatClient = chatClient;
        EmbeddingGenerator = embeddingGenerator;
        _registration = registration;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The options builder of <see cref="LinearDslOptions"/> (to add bindings or configuration).</summary>
    public OptionsBuilder<LinearDslOptions> Options { get; }

    /// <summary>
    /// The pipeline of the registered <see cref="IChatClient"/> (Microsoft.Extensions.AI): add middleware such as
    /// <c>ChatClient.UseLogging()</c> or <c>ChatClient.UseOpenTelemetry()</c>.
    /// </summary>
    public ChatClientBuilder ChatClient { get; }

    /// <summary>
    /// The pipeline of the registered <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (an encoder target's
    /// embeddings): add middleware such as <c>EmbeddingGenerator.UseLogging()</c>.
    /// </summary>
    public EmbeddingGeneratorBuilder<string, Embedding<float>> EmbeddingGenerator { get; }

    /// <summary>Changes the options in code (after the configuration binding, if any).</summary>
    public LinearDslBuilder Configure(Action<LinearDslOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Options.Configure(configure);
        return this;
    }

    /// <summary>
    /// Registers the target model from code: <paramref name="factory"/> runs once, when the container first needs the
    /// model (at the latest when the options are validated at start), and the container disposes the model. Do not
    /// also set <c>Target:CheckpointDirectory</c>. The factory must not resolve <c>IOptions&lt;LinearDslOptions&gt;</c>.
    /// </summary>
    public LinearDslBuilder UseTargetModel(Func<IServiceProvider, CausalLanguageModel> factory)
    {
        _registration.TargetFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>
    /// Registers the draft model from code, like <see cref="UseTargetModel"/>. The factory may return the target itself
    /// (self-speculation), e.g. <c>sp =&gt; sp.GetRequiredKeyedService&lt;CausalLanguageModel&gt;("target")</c>.
    /// </summary>
    public LinearDslBuilder UseDraftModel(Func<IServiceProvider, CausalLanguageModel> factory)
    {
        _registration.DraftFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }
}
