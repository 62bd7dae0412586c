using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LinearDsl.Benchmarks;

/// <summary>One figure of the serve benchmark.</summary>
public sealed record ServeMeasurement
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An instance property, so that System.Text.Json writes it into every row.")]
    [JsonPropertyName("benchmark")] public string Benchmark => "serve";
    [JsonPropertyName("case")] public required string Case { get; init; }
    [JsonPropertyName("clients")] public int Clients { get; init; }
    [JsonPropertyName("requests")] public int Requests { get; init; }
    [JsonPropertyName("lost")] public int Lost { get; init; }
    [JsonPropertyName("tokens_per_second")] public double TokensPerSecond { get; init; }
    [JsonPropertyName("ttft_p50_ms")] public double TimeToFirstTokenP50 { get; init; }
    [JsonPropertyName("ttft_p95_ms")] public double TimeToFirstTokenP95 { get; init; }
    [JsonPropertyName("token_latency_p50_ms")] public double TokenLatencyP50 { get; init; }
    [JsonPropertyName("token_latency_p95_ms")] public double TokenLatencyP95 { get; init; }
    [JsonPropertyName("machine")] public string Machine { get; init; } = RunInfo.Machine;
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public string Commit { get; init; } = RunInfo.Commit;
}

/// <summary>
/// The OpenAI-compatible server on the bundled pair, on a loopback port: 1, 4, 8 and 16 concurrent streaming clients
/// (aggregate tokens/s, time to first token, per-token latency, requests lost), and the time to first token of the
/// 10th turn of a chat with the conversation state cache on and off (docs/serving.md).
/// </summary>
public sealed class ServeBenchmarks(bool quick, TextWriter log)
{
    static readonly string[] Prompts = ["And God said", "In the beginning", "The LORD is my shepherd", "Blessed are the meek", "And it came to pass", "Let there be light"];


    public async Task<List<object>> RunAsync()
    {
        var rows = new List<object>();
        int maxTokens = quick ? 24 : 64, perClient = quick ? 2 : 4;
        await using (var server = await Server.StartAsync(stateCacheBytes: 256L << 20))
        {
            // Warm up with a concurrent pass of the same shape, so that the one-client row (the baseline of every ratio)
            // is not the one that runs the decode path as tier-0 code while tiered compilation catches up.
            await Concurrent(server.Http, 4, perClient, maxTokens);
            foreach (int clients in new[] { 1, 4, 8, 16 })
            {
                var row = await Concurrent(server.Http, clients, perClient, maxTokens);
                log.WriteLine($"{clients,2} clients: {row.TokensPerSecond:F1} tokens/s, ttft p50 {row.TimeToFirstTokenP50:F0} ms p95 {row.TimeToFirstTokenP95:F0} ms, per token p50 {row.TokenLatencyP50:F1} ms, lost {row.Lost}");
                rows.Add(row);
            }
        }
        foreach (bool cache in new[] { true, false })
        {
            await using var server = await Server.StartAsync(stateCacheBytes: cache ? 256L << 20 : 0);
            var tenth = new List<double>();
            for (int run = 0; run < (quick ? 1 : 3); run++) tenth.Add(await TenthTurn(server.Http, run, maxTokens: quick ? 16 : 32));
            var row = new ServeMeasurement { Case = cache ? "tenth_turn_cache_on" : "tenth_turn_cache_off", Clients = 1, Requests = tenth.Count, TimeToFirstTokenP50 = Percentile(tenth, 0.5), TimeToFirstTokenP95 = Percentile(tenth, 0.95) };
            log.WriteLine($"10th turn, cache {(cache ? "on " : "off")}: ttft p50 {row.TimeToFirstTokenP50:F1} ms");
            rows.Add(row);
        }
        var byClients = rows.OfType<ServeMeasurement>().Where(r => r.Case == "concurrent").ToDictionary(r => r.Clients);
        var turns = rows.OfType<ServeMeasurement>().Where(r => r.Case.StartsWith("tenth", StringComparison.Ordinal)).ToDictionary(r => r.Case);
        rows.Add(Check("aggregate tokens/s at 8 clients / 1 client", byClients[8].TokensPerSecond / byClients[1].TokensPerSecond, 3, atLeast: true));
        rows.Add(Check("10th-turn ttft with cache / without", turns["tenth_turn_cache_on"].TimeToFirstTokenP50 / turns["tenth_turn_cache_off"].TimeToFirstTokenP50, 0.2, atLeast: false));
        rows.Add(Check("requests lost", byClients.Values.Sum(r => r.Lost), 0, atLeast: false));
        return rows;
    }

    TargetCheck Check(string target, double value, double limit, bool atLeast)
    {
        bool met = atLeast ? value >= limit : value <= limit;
        log.WriteLine($"{(met ? "met   " : "MISSED")} {target}: {value:G4} (limit {limit})");
        return new TargetCheck { Target = target, Value = value, Limit = limit, Met = met, Machine = RunInfo.Machine, Commit = RunInfo.Commit };
    }

    static async Task<ServeMeasurement> Concurrent(HttpClient http, int clients, int perClient, int maxTokens)
    {
        var firsts = new List<double>();
        var perToken = new List<double>();
        long tokens = 0;
        int lost = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            for (int r = 0; r < perClient; r++)
            {
                try
                {
                    var result = await Stream(http, Chat([("user", Prompts[(c + r) % Prompts.Length])]), maxTokens);
                    lock (firsts)
                    {
                        firsts.Add(result.FirstMs);
                        if (result.Tokens > 1) perToken.Add((result.TotalMs - result.FirstMs) / (result.Tokens - 1));
                        tokens += result.Tokens;
                    }
                }
                catch (Exception error) when (error is HttpRequestException or InvalidOperationException or IOException)
                {
                    Interlocked.Increment(ref lost);
                }
            }
        }));
        return new ServeMeasurement
        {
            Case = "concurrent", Clients = clients, Requests = clients * perClient, Lost = lost,
            TokensPerSecond = tokens / clock.Elapsed.TotalSeconds,
            TimeToFirstTokenP50 = Percentile(firsts, 0.5), TimeToFirstTokenP95 = Percentile(firsts, 0.95),
            TokenLatencyP50 = Percentile(perToken, 0.5), TokenLatencyP95 = Percentile(perToken, 0.95),
        };
    }

    /// <summary>Nine turns sent back as generated, then the time to first token of the 10th.</summary>
    static async Task<double> TenthTurn(HttpClient http, int run, int maxTokens)
    {
        var messages = new List<(string Role, string Content)>();
        double first = 0;
        for (int turn = 1; turn <= 10; turn++)
        {
            messages.Add(("user", $"{Prompts[(run + turn) % Prompts.Length]} ({turn})"));
            var result = await Stream(http, Chat(messages), maxTokens);
            messages.Add(("assistant", result.Text));
            first = result.FirstMs;
        }
        return first;
    }

    static object Chat(IEnumerable<(string Role, string Content)> messages) => new { model = "lineardsl", messages = messages.Select(m => new { role = m.Role, content = m.Content }).ToArray() };

    /// <summary>A streamed greedy chat completion: its text, completion tokens, and times to the first text and to the end.</summary>
    static async Task<(string Text, int Tokens, double FirstMs, double TotalMs)> Stream(HttpClient http, object chat, int maxTokens)
    {
        var body = JsonSerializer.SerializeToNode(chat)!.AsObject();
        body["max_tokens"] = maxTokens;
        body["temperature"] = 0;
        body["stream"] = true;
        body["stream_options"] = new System.Text.Json.Nodes.JsonObject { ["include_usage"] = true };
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"status {(int)response.StatusCode}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var text = new StringBuilder();
        double first = -1;
        int tokens = 0;
        bool done = false;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            string data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                done = true;
                break;
            }
            using var json = JsonDocument.Parse(data);
            if (json.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object) tokens = usage.GetProperty("completion_tokens").GetInt32();
            var choices = json.RootElement.GetProperty("choices");
            if (choices.GetArrayLength() == 0) continue;
            if (choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.GetString() is { Length: > 0 } piece)
            {
                if (first < 0) first = clock.Elapsed.TotalMilliseconds;
                text.Append(piece);
            }
        }
        if (!done) throw new InvalidOperationException("the stream ended without [DONE]");
        double total = clock.Elapsed.TotalMilliseconds;
        return (text.ToString(), tokens, first < 0 ? total : first, total);
    }

    static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
    }

    /// <summary>The server on the bundled pair at 127.0.0.1 on a free port.</summary>
    sealed class Server : IAsyncDisposable
    {
        readonly WebApplication _app;

        Server(WebApplication app)
        {
            _app = app;
            Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(10) };
        }

        public HttpClient Http { get; }

        public static async Task<Server> StartAsync(long stateCacheBytes)
        {
            System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(LinearDsl.Models.AugLlama).Module.ModuleHandle);
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Services.AddLinearDsl(options =>
            {
                // The pair the Models project copies next to this program.
                options.Target.CheckpointDirectory = "bundled:target";
                options.Draft.CheckpointDirectory = "bundled:draft";
                options.Tokenizer = "byte";
                options.ModelId = "lineardsl";
            });
            builder.Services.AddLinearDslServer(options =>
            {
                options.StateCacheBytes = stateCacheBytes;
                options.MaxBatch = 16;
            });
            var app = builder.Build();
            app.MapLinearDslOpenAI();
            await app.StartAsync();
            var server = new Server(app);
            // Ready once /health answers 200 (the models load in the background).
            while (!(await server.Http.GetAsync("/health")).IsSuccessStatusCode) await Task.Delay(50);
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
