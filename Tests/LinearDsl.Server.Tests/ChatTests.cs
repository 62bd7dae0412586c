using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ChatMessage = OpenAI.Chat.ChatMessage;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;

namespace LinearDsl.Server.Tests;

/// <summary>The server through the official OpenAI client and Microsoft.Extensions.AI's IChatClient over it.</summary>
public class ChatTests
{
    static readonly ChatMessage[] Conversation = [new SystemChatMessage("Be brief."), new UserChatMessage("Hello there")];

    /// <summary>The same request decoded by the hosting layer's generator alone (greedy), for comparison.</summary>
    static async Task<TextGenerationResult> SoloAsync(string prompt, int maxTokens, IReadOnlyList<string> stops)
    {
        using var target = TestModels.Target();
        var generator = new TextGenerator(TextTokenizers.Create("byte-eot"), new PlainDecoder(target));
        return await generator.GenerateAsync(prompt, new TextGenerationRequest { MaxNewTokens = maxTokens, Temperature = 0, StopSequences = stops });
    }

    static string Rendered => ChatPromptTemplate.Render([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hello there")]);

    [Fact]
    public async Task Chat_with_the_OpenAI_client_gives_the_greedy_text_usage_and_finish_reason()
    {
        await using var server = await TestServer.StartAsync();
        var completion = (await server.ChatClient().CompleteChatAsync(Conversation, new ChatCompletionOptions { MaxOutputTokenCount = 20, Temperature = 0 })).Value;

        var solo = await SoloAsync(Rendered, 20, ChatPromptTemplate.TurnMarkers);
        completion.Content[0].Text.Should().Be(solo.Text);
        completion.Usage.InputTokenCount.Should().Be(solo.PromptTokenCount);
        completion.Usage.OutputTokenCount.Should().Be(solo.GeneratedTokenCount);
        completion.Usage.TotalTokenCount.Should().Be(solo.PromptTokenCount + solo.GeneratedTokenCount);
        completion.FinishReason.Should().Be(solo.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop);
        completion.Model.Should().Be(TestServer.Model);
    }

    [Fact]
    public async Task Streaming_with_the_OpenAI_client_concatenates_to_the_whole_reply_and_ends_with_usage()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.ChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 20, Temperature = 0 };
        string whole = (await client.CompleteChatAsync(Conversation, options)).Value.Content[0].Text;

        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        int updates = 0;
        await foreach (var update in client.CompleteChatStreamingAsync(Conversation, options))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        text.ToString().Should().Be(whole);
        updates.Should().BeGreaterThan(2);
        finish.Should().NotBeNull();
        usage.Should().NotBeNull("the OpenAI client asks for stream_options.include_usage");
        usage!.OutputTokenCount.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Microsoft_Extensions_AI_IChatClient_chats_and_streams()
    {
        await using var server = await TestServer.StartAsync();
        IChatClient chat = server.ChatClient().AsIChatClient();
        var options = new ChatOptions { MaxOutputTokens = 16, Temperature = 0 };
        var response = await chat.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hello there")], options);
        var solo = await SoloAsync(Rendered, 16, ChatPromptTemplate.TurnMarkers);
        response.Text.Should().Be(solo.Text);
        response.Usage!.InputTokenCount.Should().Be(solo.PromptTokenCount);

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hello there")], options))
            streamed.Append(update.Text);
        streamed.ToString().Should().Be(solo.Text);
    }

    [Fact]
    public async Task A_stop_sequence_cuts_the_text_before_it_and_finishes_with_stop()
    {
        await using var server = await TestServer.StartAsync();
        string prompt = "", full = "";
        foreach (var candidate in TestPrompts.All)
        {
            (full, _, _) = await server.CompleteAsync(candidate, maxTokens: 30);
            prompt = candidate;
            if (full.Length > 8) break;
        }
        full.Length.Should().BeGreaterThan(8, "the test needs a reply long enough to hold a stop sequence");
        string stop = full.Substring(5, 2);
        int at = full.IndexOf(stop, StringComparison.Ordinal);

        var (text, finish, _) = await server.CompleteAsync(prompt, maxTokens: 30, extra: $",\"stop\":[{System.Text.Json.JsonSerializer.Serialize(stop)}]");
        text.Should().Be(full[..at]);
        finish.Should().Be("stop");

        var client = server.ChatClient();
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 30, Temperature = 0 };
        string chatFull = (await client.CompleteChatAsync(Conversation, options)).Value.Content[0].Text;
        if (chatFull.Length > 3)
        {
            string chatStop = chatFull.Substring(2, 2);
            options.StopSequences.Add(chatStop);
            var cut = (await client.CompleteChatAsync(Conversation, options)).Value;
            cut.Content.Count.Should().BeLessThanOrEqualTo(1);
            (cut.Content.Count == 0 ? "" : cut.Content[0].Text).Should().Be(chatFull[..chatFull.IndexOf(chatStop, StringComparison.Ordinal)]);
            cut.FinishReason.Should().Be(ChatFinishReason.Stop);
        }
    }

    [Fact]
    public async Task Max_tokens_ends_with_length_and_counts_exactly_that_many_tokens()
    {
        await using var server = await TestServer.StartAsync();
        var (_, finish, body) = await server.CompleteAsync("x", maxTokens: 3, extra: ",\"stop\":null");
        var usage = body.GetProperty("usage");
        if (finish == "length") usage.GetProperty("completion_tokens").GetInt32().Should().Be(3);
        else usage.GetProperty("completion_tokens").GetInt32().Should().BeLessThanOrEqualTo(3);
        usage.GetProperty("prompt_tokens").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Models_lists_the_served_model_and_health_is_ready()
    {
        await using var server = await TestServer.StartAsync();
        var models = System.Text.Json.JsonDocument.Parse(await server.Http.GetStringAsync("/v1/models")).RootElement;
        models.GetProperty("data")[0].GetProperty("id").GetString().Should().Be(TestServer.Model);
        (await server.Http.GetAsync("/health")).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
    }
}
