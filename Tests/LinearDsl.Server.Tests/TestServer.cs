using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;

namespace LinearDsl.Server.Tests;

/// <summary>The server on Kestrel at 127.0.0.1 (a free port), over models created in code or the bundled pair.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string Model = "tiny";

    readonly WebApplication _app;

    TestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    internal ServerModels Models => _app.Services.GetRequiredService<ServerModels>();

    /// <summary>Starts a server over the tiny test models (with the draft when <paramref name="speculative"/>), greedy by default.</summary>
    public static Task<TestServer> StartAsync(bool speculative = false, Action<LinearDslServerOptions>? server = null,
        Func<IServiceProvider, CausalLanguageModel>? target = null, bool waitUntilReady = true, Task? loadGate = null,
        string tokenizer = "byte-eot", Action<LinearDslOptions>? configure = null)
        => StartAsync(services =>
        {
            if (loadGate is not null) services.AddSingleton(new ModelLoadGate(loadGate));
            services.AddLinearDsl(target ?? (_ => TestModels.Target()), speculative ? _ => TestModels.Draft() : null, options =>
            {
                options.Tokenizer = tokenizer;
                options.ModelId = Model;
                options.Generation.Temperature = 0;
                options.Generation.MaxNewTokens = 24;
                configure?.Invoke(options);
            });
        }, server, waitUntilReady);

    /// <summary>Starts a server over the bundled target and draft (byte tokenizer).</summary>
    public static Task<TestServer> StartBundledAsync()
        => StartAsync(services => services.AddLinearDsl(options =>
        {
            options.Target.CheckpointDirectory = LinearDsl.Runtime.Checkpoints.BundledCheckpoints.TargetDirectory;
            options.Draft.CheckpointDirectory = LinearDsl.Runtime.Checkpoints.BundledCheckpoints.DraftDirectory;
            options.Tokenizer = "byte";
            options.ModelId = Model;
            options.Generation.Temperature = 0;
            options.Generation.MaxNewTokens = 24;
        }), null, waitUntilReady: true);

    static async Task<TestServer> StartAsync(Action<IServiceCollection> models, Action<LinearDslServerOptions>? server, bool waitUntilReady)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(LinearDsl.Models.AugLlama).Module.ModuleHandle);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        models(builder.Services);
        builder.Services.AddLinearDslServer(server ?? (_ => { }));
        var app = builder.Build();
        app.MapLinearDslOpenAI();
        await app.StartAsync();
        var result = new TestServer(app, new Uri(app.Urls.First()));
        if (waitUntilReady) await result.Models.Ready;
        return result;
    }

    /// <summary>Waits until <paramref name="rows"/> rows decode (at most 30 s).</summary>
    public async Task WaitForActiveRowsAsync(int rows)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Models.Batcher!.ActiveRows != rows && DateTime.UtcNow < deadline) await Task.Delay(2);
        Models.Batcher!.ActiveRows.Should().Be(rows);
    }

    /// <summary>The official OpenAI client's chat client for this server.</summary>
    public ChatClient ChatClient(string apiKey = "unused") =>
        new(Model, new ApiKeyCredential(apiKey), new OpenAIClientOptions { Endpoint = new Uri(Address, "/v1/") });

    /// <summary>POSTs raw JSON and returns the status and parsed body.</summary>
    public async Task<(int Status, JsonElement Body)> PostAsync(string path, string json, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>A greedy /v1/completions of <paramref name="prompt"/>: (text, finish reason, whole body).</summary>
    public async Task<(string Text, string Finish, JsonElement Body)> CompleteAsync(string prompt, int maxTokens = 24, string extra = "")
    {
        var (status, body) = await PostAsync("/v1/completions", $"{{\"model\":\"{Model}\",\"prompt\":{JsonSerializer.Serialize(prompt)},\"max_tokens\":{maxTokens},\"temperature\":0{extra}}}");
        status.Should().Be(200, body.ToString());
        var choice = body.GetProperty("choices")[0];
        return (choice.GetProperty("text").GetString()!, choice.GetProperty("finish_reason").GetString()!, body);
    }

    /// <summary>Stops the host as Ctrl+C would (requests in flight may finish).</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        Http.Dispose();
        await _app.DisposeAsync();
    }
}
