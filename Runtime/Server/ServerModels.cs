using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Decoding.Batching;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LinearDsl.Server;

/// <summary>
/// Loads the configured models in the background when the host starts (the server answers 503 until they are ready),
/// then owns the <see cref="ContinuousBatcher"/> that serves them. On shutdown it refuses new requests, lets the rows in
/// flight finish while the host drains its connections, and frees the models' states.
/// </summary>
internal sealed class ServerModels(IServiceProvider services, IOptions<LinearDslServerOptions> serverOptions, ServerMetrics metrics,
    ILogger<ServerModels> logger) : IHostedService, IDisposable
{
    readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile ContinuousBatcher? _batcher;
    volatile string? _failure;

    public ContinuousBatcher? Batcher => _batcher;

    public ITextTokenizer? Tokenizer { get; private set; }

    public LinearDslOptions? Options { get; private set; }

    public LinearDslServerOptions Server => serverOptions.Value;

    /// <summary>How the server decodes, for its log: "plain", "speculative" or "speculative (mode)" for tree and heads modes.</summary>
    public string Decoding { get; private set; } = "plain";

    /// <summary>Why loading failed, or null.</summary>
    public string? Failure => _failure;

    /// <summary>Completes when the models are loaded (or loading failed).</summary>
    public Task Ready => _ready.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Server.Problem() is string problem) throw new OptionsValidationException(LinearDslServerOptions.SectionName, typeof(LinearDslServerOptions), [problem]);
        _ = Task.Run(Load, CancellationToken.None);
        return Task.CompletedTask;
    }

    void Load()
    {
        try
        {
            services.GetService<ModelLoadGate>()?.Open.Wait();
            Options = services.GetRequiredService<IOptions<LinearDslOptions>>().Value;
            Tokenizer = services.GetRequiredService<ITextTokenizer>();
            var decoder = services.GetRequiredService<ITokenDecoder>();
            Decoding = decoder switch
            {
                SpeculativeDecoder => "speculative",
                TreeSpeculativeDecoder tree => $"speculative ({tree.Options.Mode})",
                _ => "plain",
            };
            var batcher = new ContinuousBatcher(decoder, Server.ToBatchingOptions());
            batcher.RoundCompleted += metrics.BatchSize;
            metrics.ObserveBatcher(() => batcher.QueueLength, () => batcher.ActiveRows, () => batcher.CachedStateBytes);
            _batcher = batcher;
            ServerLog.Ready(logger, Options.ModelId, Decoding, Server.MaxBatch, Server.MaxQueue, Server.StateCacheBytes);
        }
        catch (Exception error)
        {
            _failure = error.Message;
            ServerLog.LoadFailed(logger, error.Message);
        }
        _ready.TrySetResult();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_batcher is { } batcher)
        {
            try
            {
                await batcher.DrainAsync().WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's shutdown timeout has passed: the remaining rows end now.
            }
            // Before the container disposes the models the scheduler thread uses.
            batcher.Dispose();
        }
    }

    public void Dispose() => _batcher?.Dispose();
}

/// <summary>Holds the loading back until <see cref="Open"/> completes (tests of the 503 answered while loading).</summary>
internal sealed record ModelLoadGate(Task Open);
