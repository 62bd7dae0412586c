using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace LinearDsl.Server;

/// <summary>Registers the OpenAI-compatible server's services (next to <c>AddLinearDsl</c>, which registers the models).</summary>
public static class ServerServiceCollectionExtensions
{
    /// <summary>Adds the server with options bound from <see cref="LinearDslServerOptions.SectionName"/> of <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddLinearDslServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(services).Bind(configuration.GetSection(LinearDslServerOptions.SectionName));
        return services;
    }

    /// <summary>Adds the server with options set in code.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027", Justification = "The overloads differ in the type of their second parameter (configuration or an options delegate); new settings go into LinearDslServerOptions, not new parameters.")]
    public static IServiceCollection AddLinearDslServer(this IServiceCollection services, Action<LinearDslServerOptions>? configure = null)
    {
        var options = AddCore(services);
        if (configure is not null) options.Configure(configure);
        return services;
    }

    static Microsoft.Extensions.Options.OptionsBuilder<LinearDslServerOptions> AddCore(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton(sp => new ServerMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<ServerModels>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerModels>());
        return services.AddOptions<LinearDslServerOptions>();
    }
}
