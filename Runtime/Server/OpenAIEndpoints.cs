using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Decoding.Batching;
using LinearDsl.Runtime.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LinearDsl.Server;

/// <summary>Maps the OpenAI-compatible endpoints.</summary>
public static class OpenAIEndpoints
{
    static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    /// <summary>
    /// Maps POST /v1/chat/completions, POST /v1/completions, GET /v1/models and GET /health (200 once the models are
    /// loaded, 503 before). Needs <see cref="ServerServiceCollectionExtensions.AddLinearDslServer(IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapLinearDslOpenAI(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ServerModels>() is null)
            throw new InvalidOperationException("MapLinearDslOpenAI needs the server's services: call builder.Services.AddLinearDsl(...) and builder.Services.AddLinearDslServer(...) first.");
        endpoints.MapGet("/health", Health);
        endpoints.MapGet("/v1/models", (HttpContext context) => Guarded(context, Models));
        endpoints.MapPost("/v1/chat/completions", (HttpContext context) => Guarded(context, c => Complete(c, chat: true)));
        endpoints.MapPost("/v1/completions", (HttpContext context) => Guarded(context, c => Complete(c, chat: false)));
        return endpoints;
    }

    static async Task Health(HttpContext context)
    {
        var models = context.RequestServices.GetRequiredService<ServerModels>();
        if (models.Batcher is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(new { status = models.Failure is null ? "loading" : "failed", error = models.Failure });
            return;
        }
        await context.Response.WriteAsJsonAsync(new { status = "ready", model = models.Options!.ModelId, queue = models.Batcher.QueueLength, active = models.Batcher.ActiveRows });
    }

    /// <summary>Checks the key and readiness, runs the handler and turns every failure into an OpenAI-shaped error without internals.</summary>
    static async Task Guarded(HttpContext context, Func<HttpContext, Task> handler)
    {
        var models = context.RequestServices.GetRequiredService<ServerModels>();
        var metrics = context.RequestServices.GetRequiredService<ServerMetrics>();
        try
        {
            Authorize(context, models.Server.ApiKey);
            if (models.Batcher is null)
                throw new ApiError(503, models.Failure is null ? "The models are still loading; retry when GET /health answers 200." : $"The models could not be loaded: {models.Failure}",
                    "service_unavailable", code: "model_loading");
            await handler(context);
        }
        catch (ApiError error) when (!context.Response.HasStarted)
        {
            await WriteError(context, error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its row has left the batch.
        }
        catch (Exception error) when (!context.Response.HasStarted)
        {
            ServerLog.RequestFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAIEndpoints)), error);
            await WriteError(context, new ApiError(500, "The server failed to answer this request; see its log.", "server_error"));
        }
        metrics.Request(context.Response.StatusCode);
    }

    static Task WriteError(HttpContext context, ApiError error)
    {
        context.Response.StatusCode = error.Status;
        return context.Response.WriteAsJsonAsync(error.Body, Json);
    }

    /// <summary>Compares the bearer token with the key in constant time (over SHA-256 digests, so lengths leak nothing either).</summary>
    static void Authorize(HttpContext context, string? apiKey)
    {
        if (apiKey is null) return;
        string header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        string given = header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? header[prefix.Length..].Trim() : string.Empty;
        bool equal = CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        if (!equal) throw new ApiError(401, "Missing or wrong API key: send \"Authorization: Bearer KEY\" with the server's key.", "invalid_request_error", code: "invalid_api_key");
    }

    static Task Models(HttpContext context)
    {
        var models = context.RequestServices.GetRequiredService<ServerModels>();
        long created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        return context.Response.WriteAsJsonAsync(new
        {
            @object = "list",
            data = new[] { new { id = models.Options!.ModelId, @object = "model", created, owned_by = "lineardsl" } },
        }, Json);
    }

    static async Task<ReadOnlyMemory<byte>> ReadBody(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
            throw new ApiError(413, $"The request body has {context.Request.ContentLength} bytes; this server takes at most {limit}.", "invalid_request_error", code: "request_too_large");
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new ApiError(413, $"The request body is longer than this server's limit of {limit} bytes.", "invalid_request_error", code: "request_too_large");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    static async Task Complete(HttpContext context, bool chat)
    {
        var models = context.RequestServices.GetRequiredService<ServerModels>();
        var metrics = context.RequestServices.GetRequiredService<ServerMetrics>();
        var server = models.Server;
        var options = models.Options!;
        var tokenizer = models.Tokenizer!;
        var request = RequestParser.Parse(await ReadBody(context, server.MaxRequestBytes), chat, server.MaxCompletionTokens);
        if (request.Model is { } name && name != options.ModelId)
            throw ApiError.Invalid($"The model '{name}' is not served here; GET /v1/models lists '{options.ModelId}'.", "model", "model_not_found");

        long[] prompt = tokenizer.Encode(request.Prompt);
        if (prompt.Length == 0)
        {
            if (tokenizer.EndOfTextId is not long endOfText) throw ApiError.Invalid("The prompt is empty; give at least one character.", "prompt");
            prompt = [endOfText];
        }
        if (prompt.Length > server.MaxPromptTokens)
            throw ApiError.Invalid($"The prompt has {prompt.Length} tokens; this server takes at most {server.MaxPromptTokens}.", chat ? "messages" : "prompt", "context_length_exceeded");
        var defaults = options.Generation;
        int maxTokens = request.MaxTokens ?? Math.Min(defaults.MaxNewTokens, server.MaxCompletionTokens);
        var target = context.RequestServices.GetRequiredKeyedService<Runtime.Modeling.CausalLanguageModel>(LinearDslServiceKeys.Target);
        if (target.PositionTableLength is long positions && prompt.Length + maxTokens + 64 > positions)
            throw ApiError.Invalid($"The prompt ({prompt.Length} tokens) and max_tokens ({maxTokens}) exceed the model's {positions} positions; shorten the prompt or ask for fewer tokens.", "max_tokens", "context_length_exceeded");
        // A chat reply ends at the next turn marker (without the newline before it, see ReplyStopSequences).
        IReadOnlyList<string> stops = [.. defaults.StopSequences, .. request.Stop, .. chat ? ChatPromptTemplate.ReplyStopSequences : []];
        var generation = new GenerationOptions
        {
            // The row also ends at the stops' tokens, so its state holds nothing past them (the text is still cut by
            // the stop matcher, which also finds stops a tokenizer splits differently in context).
            StopTokenSequences = stops.Select(stop => (IReadOnlyList<long>)tokenizer.Encode(stop)).Where(tokens => tokens.Count > 0).ToArray(),
            MaxNewTokens = maxTokens,
            EndOfTextToken = tokenizer.EndOfTextId,
            Sampling = new SamplingOptions { Temperature = request.Temperature ?? defaults.Temperature, TopK = defaults.TopK, TopP = request.TopP ?? defaults.TopP },
            Seed = request.Seed is long seed ? FoldSeed(seed) : defaults.Seed ?? Random.Shared.Next(),
        };

        BatchRow row;
        try
        {
            row = models.Batcher!.Submit(prompt, generation, context.RequestAborted);
        }
        catch (BatcherRefusedException refused)
        {
            throw refused.Reason == BatcherRefusal.QueueFull
                ? new ApiError(429, refused.Message, "rate_limit_exceeded", code: "queue_full")
                : new ApiError(503, refused.Message, "service_unavailable", code: "shutting_down");
        }
        var run = new GenerationRun(row, tokenizer, stops, tokenizer.EndOfTextId, metrics);
        string id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream) await Stream(context, request, run, id, created, options.ModelId);
        else await Whole(context, request, run, id, created, options.ModelId);
    }

    static async Task Whole(HttpContext context, CompletionRequest request, GenerationRun run, string id, long created, string model)
    {
        var text = new StringBuilder();
        await foreach (var piece in run.TextAsync(context.RequestAborted)) text.Append(piece);
        object choice = request.IsChat
            ? new { index = 0, message = new { role = "assistant", content = text.ToString() }, logprobs = (object?)null, finish_reason = run.FinishReason }
            : new { index = 0, text = text.ToString(), logprobs = (object?)null, finish_reason = run.FinishReason };
        await context.Response.WriteAsJsonAsync(new
        {
            id,
            @object = request.IsChat ? "chat.completion" : "text_completion",
            created,
            model,
            choices = new[] { choice },
            usage = run.Usage,
            lineardsl = run.LinearDsl,
        }, Json, context.RequestAborted);
    }

    static async Task Stream(HttpContext context, CompletionRequest request, GenerationRun run, string id, long created, string model)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        string kind = request.IsChat ? "chat.completion.chunk" : "text_completion";
        object Chunk(string? text, string? finish, bool first) => request.IsChat
            ? new { id, @object = kind, created, model, choices = new[] { new { index = 0, delta = (object)(first ? new { role = "assistant", content = text ?? "" } : text is null ? new { } : new { content = text }), logprobs = (object?)null, finish_reason = finish } } }
            : new { id, @object = kind, created, model, choices = new[] { new { index = 0, text = text ?? "", logprobs = (object?)null, finish_reason = finish } } };

        await Send(context, Chunk(request.IsChat ? "" : null, null, first: request.IsChat));
        try
        {
            await foreach (var piece in run.TextAsync(context.RequestAborted)) await Send(context, Chunk(piece, null, first: false));
        }
        catch (Exception error) when (error is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // The status line has gone out: report the failure as an event of its own and end the stream.
            var failure = error is ApiError api ? api : new ApiError(500, "The server failed while generating; see its log.", "server_error");
            await Send(context, failure.Body);
            await response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
            return;
        }
        await Send(context, Chunk(null, run.FinishReason, first: false));
        if (request.IncludeUsage)
            await Send(context, new { id, @object = kind, created, model, choices = Array.Empty<object>(), usage = run.Usage, lineardsl = run.LinearDsl });
        await response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    static async Task Send(HttpContext context, object payload)
    {
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(payload, Json) + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    static int FoldSeed(long seed) => seed is >= int.MinValue and <= int.MaxValue ? (int)seed : unchecked((int)seed ^ (int)(seed >> 32));
}
