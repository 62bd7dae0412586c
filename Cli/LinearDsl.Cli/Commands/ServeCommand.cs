using System.Text.Json;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>serve</c>: the OpenAI-compatible server (LinearDsl.Server) on the bundled pair, or on the models that the options
/// or the configuration ("LinearDsl" section of appsettings.json or LinearDsl__... environment variables) name; the
/// LinearDsl.Server meter at /metrics for Prometheus. Runs until Ctrl+C, then lets requests in flight finish.
/// </summary>
public sealed class ServeCommand(CliEnvironment environment) : AsyncCommand<ServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(Overrides(settings, builder.Configuration));
        if (settings.Urls is not null) builder.WebHost.UseUrls(settings.Urls);
        else if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(ServeSettings.DefaultUrls);
        TorchSharp.torch.set_num_threads(settings.Threads);
        // A line per request at Information would drown the console; warnings and the server's own lines stay.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddLinearDsl(builder.Configuration);
        builder.Services.AddLinearDslServer(builder.Configuration);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(ServerMetrics.MeterName).AddPrometheusExporter());
        await using var app = builder.Build();
        app.MapLinearDslOpenAI();
        app.MapPrometheusScrapingEndpoint();

        await app.StartAsync(cancellationToken);
        environment.Out.MarkupLineInterpolated($"[green]Serving[/] {app.Configuration["LinearDsl:ModelId"]} on {string.Join(", ", app.Urls)} (POST /v1/chat/completions, /v1/completions; GET /v1/models, /health, /metrics). Ctrl+C stops.");
        // Ctrl+C or SIGTERM: the host stops listening, waits for requests in flight (its shutdown timeout), then the
        // server drains its rows.
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>The command line's settings over the configuration's, and the bundled pair when nothing names a target.</summary>
    Dictionary<string, string?> Overrides(ServeSettings settings, ConfigurationManager configuration)
    {
        var values = new Dictionary<string, string?>();
        string? target = settings.Target ?? configuration["LinearDsl:Target:CheckpointDirectory"];
        string? draft = settings.Draft ?? (settings.Target is null ? configuration["LinearDsl:Draft:CheckpointDirectory"] : null);
        if (target is null)
        {
            if (settings.Draft is not null) throw new CliException("--draft was given without --target; pass the target's checkpoint directory with --target DIR.");
            (target, draft) = BundledModels.Locate(environment.SearchRoots);
        }
        CheckDirectory(target, "--target");
        ArchitectureCheckpoints.RequireCausal(target, "--target", "serve batches causal LMs only; host an encoder or encoder-decoder through AddLinearDsl in your own app (docs/serving.md)");
        values["LinearDsl:Target:CheckpointDirectory"] = target;
        if (draft is not null && !settings.NoSpeculation)
        {
            CheckDirectory(draft, "--draft");
            values["LinearDsl:Draft:CheckpointDirectory"] = draft;
        }
        else
        {
            values["LinearDsl:Draft:CheckpointDirectory"] = null;
            values["LinearDsl:Speculation:Enabled"] = "false";
        }
        values["LinearDsl:Tokenizer"] = settings.Tokenizer ?? configuration["LinearDsl:Tokenizer"] ?? TokenizerOf(target);
        values["LinearDsl:ModelId"] = settings.ModelName ?? configuration["LinearDsl:ModelId"] ?? "lineardsl";
        if (settings.ApiKey is not null) values["LinearDsl:Server:ApiKey"] = settings.ApiKey;
        if (settings.MaxBatch is int batch) values["LinearDsl:Server:MaxBatch"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (settings.MaxQueue is int queue) values["LinearDsl:Server:MaxQueue"] = queue.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (settings.StateCacheMegabytes is int megabytes)
            values["LinearDsl:Server:StateCacheBytes"] = ((long)megabytes << 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return values;
    }

    /// <summary>The tokenizer the target's vocabulary size implies (read from its config.json).</summary>
    static string TokenizerOf(string directory)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, Checkpoint.ConfigFileName)));
        int vocab = config.RootElement.GetProperty("vocab_size").GetInt32();
        return TokenizerChoice.ForVocabulary(vocab)
            ?? throw new CliException($"cannot tell the tokenizer of '{directory}' ({vocab} tokens); pass --tokenizer byte|byte-eot|gpt2.");
    }

    static void CheckDirectory(string directory, string option)
    {
        foreach (var file in new[] { Checkpoint.ConfigFileName, Checkpoint.WeightsFileName })
        {
            if (!File.Exists(Path.Combine(directory, file)))
                throw new CliException($"'{Path.Combine(directory, file)}' ({option}) is missing: a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}.");
        }
    }
}
