using System.Text.Json;
using OpenAI.Chat;

namespace LinearDsl.Server.Tests;

/// <summary>Concurrency, cancellation, the conversation cache and the bundled pair through HTTP.</summary>
public class ServingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_chats_give_the_greedy_replies_they_give_alone(bool speculative)
    {
        await using var server = await TestServer.StartAsync(speculative, o => o.MaxBatch = 4);
        var client = server.ChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 };
        var prompts = TestPrompts.All.Take(8).ToArray();
        var solo = new List<string>();
        foreach (var prompt in prompts) solo.Add((await client.CompleteChatAsync([new UserChatMessage(prompt)], options)).Value.Content.FirstOrDefault()?.Text ?? "");

        int widest = 0;
        server.Models.Batcher!.RoundCompleted += rows => widest = Math.Max(widest, rows);
        var together = await Task.WhenAll(prompts.Select(async prompt =>
            (await client.CompleteChatAsync([new UserChatMessage(prompt)], options)).Value.Content.FirstOrDefault()?.Text ?? ""));
        together.Should().Equal(solo);
        widest.Should().BeGreaterThan(1, "concurrent requests share decoding rounds");
    }

    [Fact]
    public async Task A_client_that_disconnects_frees_its_row()
    {
        // The byte tokenizer has no end-of-text token: the row could only end at max_tokens.
        await using var server = await TestServer.StartAsync(server: o => o.MaxBatch = 1, tokenizer: "byte");
        using (var cancel = new CancellationTokenSource())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
            {
                Content = new StringContent("{\"prompt\":\"a\",\"max_tokens\":4000,\"temperature\":1,\"stream\":true}", System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            (await reader.ReadLineAsync(cancel.Token)).Should().StartWith("data: ");
            await server.WaitForActiveRowsAsync(1);
            cancel.Cancel();
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.Models.Batcher!.ActiveRows > 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        server.Models.Batcher!.ActiveRows.Should().Be(0, "the disconnect cancels the row before 4000 tokens are generated");
        // The only row is free again.
        var (status, _) = await server.PostAsync("/v1/completions", "{\"prompt\":\"b\",\"max_tokens\":2}");
        status.Should().Be(200);
    }

    [Fact]
    public async Task A_streamed_completion_ends_with_finish_reason_usage_and_done()
    {
        await using var server = await TestServer.StartAsync(speculative: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("{\"prompt\":\"The sea\",\"max_tokens\":10,\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await server.Http.SendAsync(request);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        events[^1].Should().Be("data: [DONE]");
        var usage = JsonDocument.Parse(events[^2]["data: ".Length..]).RootElement;
        usage.GetProperty("choices").GetArrayLength().Should().Be(0);
        usage.GetProperty("usage").GetProperty("prompt_tokens").GetInt32().Should().Be(7);
        usage.GetProperty("lineardsl").GetProperty("drafted_tokens").GetInt64().Should().BeGreaterThan(0);
        var last = JsonDocument.Parse(events[^3]["data: ".Length..]).RootElement;
        last.GetProperty("choices")[0].GetProperty("finish_reason").GetString().Should().BeOneOf("stop", "length");
        string text = string.Concat(events[..^3].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()));
        var (whole, _, _) = await server.CompleteAsync("The sea", maxTokens: 10);
        text.Should().Be(whole);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_follow_up_turn_reuses_the_cached_state_and_gives_the_same_text(bool speculative)
    {
        await using var cached = await TestServer.StartAsync(speculative);
        await using var uncached = await TestServer.StartAsync(speculative, o => o.StateCacheBytes = 0);
        string conversation = "User: hello\nAssistant:";
        int reused = 0;
        for (int turn = 0; turn < 4; turn++)
        {
            var (with, _, body) = await cached.CompleteAsync(conversation, maxTokens: 8 + turn);
            var (without, _, plainBody) = await uncached.CompleteAsync(conversation, maxTokens: 8 + turn);
            with.Should().Be(without, $"turn {turn} must not depend on the cache");
            plainBody.GetProperty("lineardsl").GetProperty("reused_prompt_tokens").GetInt32().Should().Be(0);
            if (turn > 0 && body.GetProperty("lineardsl").GetProperty("reused_prompt_tokens").GetInt32() > 0) reused++;
            conversation += with + $"\nUser: question {turn}\nAssistant:";
        }
        reused.Should().Be(3, "each follow-up extends the previous reply's conversation");
    }

    [Fact]
    public async Task The_bundled_pair_serves_a_chat_with_speculative_decoding()
    {
        await using var server = await TestServer.StartBundledAsync();
        var (text, finish, body) = await server.CompleteAsync("And God said", maxTokens: 16);
        text.Should().NotBeEmpty();
        finish.Should().Be("length");
        body.GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(16);
        body.GetProperty("lineardsl").GetProperty("drafted_tokens").GetInt64().Should().BeGreaterThan(0);

        var reply = (await server.ChatClient().CompleteChatAsync([new UserChatMessage("Who made the light?")], new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 })).Value;
        reply.Usage.OutputTokenCount.Should().BeGreaterThan(0);
    }
}
