using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>The IChatClient over tiny random models (through the container) and over a scripted decoder.</summary>
public sealed class ChatClientTests
{
    static readonly ByteTokenizer Bytes = new(withEndOfText: true);

    static readonly ChatMessage[] Conversation = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi! How are you?")];

    static ServiceProvider Provider(bool speculative) => new ServiceCollection()
        .AddLinearDsl(_ => HostingModels.Target(), speculative ? _ => HostingModels.Draft() : null, o => o.Tokenizer = "byte-eot")
        .Services.BuildServiceProvider();

    static (LinearDslChatClient Chat, ScriptedDecoder Decoder) Scripted(string script, params int[] rounds)
    {
        var decoder = new ScriptedDecoder(Bytes.VocabSize, Bytes.Encode(script), rounds);
        return (new LinearDslChatClient(new TextGenerator(Bytes, decoder), "scripted"), decoder);
    }

    [Fact]
    public async Task Temperature_zero_gives_the_text_of_greedy_decoding_of_the_target_even_through_speculation()
    {
        using var provider = Provider(speculative: true);
        var chat = provider.GetRequiredService<IChatClient>();
        var response = await chat.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 40 });

        var target = provider.GetRequiredKeyedService<CausalLanguageModel>("target");
        long[] prompt = Bytes.Encode(ChatPromptTemplate.Render(Conversation));
        using var greedy = new PlainDecoder(target).Start([prompt],
            new GenerationOptions { MaxNewTokens = 40, Sampling = SamplingOptions.Greedy, EndOfTextToken = Bytes.EndOfTextId });
        greedy.RunToEnd();
        var tokens = greedy.Generated[0].Where(t => t != Bytes.EndOfTextId).ToArray();
        string expected = Bytes.Decode(tokens);
        int cut = ChatPromptTemplate.ReplyStopSequences.Select(m => expected.IndexOf(m, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(expected.Length).Min();

        tokens.Should().NotBeEmpty();
        response.Text.Should().Be(expected[..cut]);
        response.Messages.Should().ContainSingle().Which.Role.Should().Be(ChatRole.Assistant);
        var result = response.RawRepresentation.Should().BeOfType<TextGenerationResult>().Subject;
        result.Statistics.DraftCalls.Should().BePositive("the container's decoder is speculative");
        response.Usage!.InputTokenCount.Should().Be(prompt.Length);
        response.ModelId.Should().Be("lineardsl");
    }

    [Fact]
    public async Task Streaming_gives_the_same_text_usage_and_finish_reason_as_a_single_response()
    {
        using var provider = Provider(speculative: true);
        var chat = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { Temperature = 0.9f, TopK = 100, TopP = 0.95f, Seed = 7, MaxOutputTokens = 30 };
        var response = await chat.GetResponseAsync(Conversation, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(Conversation, options)) updates.Add(update);

        string.Concat(updates.Select(u => u.Text)).Should().Be(response.Text);
        updates.Should().AllSatisfy(u =>
        {
            u.Role.Should().Be(ChatRole.Assistant);
            u.ResponseId.Should().Be(updates[0].ResponseId);
        });
        updates.SkipLast(1).Should().AllSatisfy(u => u.FinishReason.Should().BeNull());
        updates[^1].FinishReason.Should().Be(response.FinishReason);
        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Should().ContainSingle().Subject.Details;
        usage.Should().BeEquivalentTo(response.Usage);
        var combined = updates.ToChatResponse();
        combined.Text.Should().Be(response.Text);
        combined.Usage!.TotalTokenCount.Should().Be(response.Usage!.TotalTokenCount);
    }

    [Fact]
    public async Task Chat_options_map_onto_the_generation()
    {
        var (chat, decoder) = Scripted("abcdefghijkl", 1);
        await chat.GetResponseAsync(Conversation, new ChatOptions
        {
            Temperature = 0.25f, TopK = 5, TopP = 0.5f, MaxOutputTokens = 9, Seed = 1234, Instructions = "Answer in French.",
        });
        var session = decoder.Sessions.Single();
        session.Options.Should().BeEquivalentTo(new GenerationOptions
        {
            MaxNewTokens = 9, EndOfTextToken = 256, Seed = 1234, Sampling = new SamplingOptions { Temperature = 0.25, TopK = 5, TopP = 0.5 },
        });
        Bytes.Decode(session.Prompt).Should().Be("<|system|>\nAnswer in French.\n<|system|>\nBe brief.\n<|user|>\nHi! How are you?\n<|assistant|>\n");

        await chat.GetResponseAsync(Conversation, new ChatOptions { Seed = (5L << 32) | 9, MaxOutputTokens = 3 });
        decoder.Sessions[^1].Options.Seed.Should().Be(9 ^ 5, "a seed beyond 32 bits is folded");
    }

    [Fact]
    public async Task Usage_counts_and_finish_reasons()
    {
        var (chat, _) = Scripted("Hello there<|user|>no", 1);
        var stopped = await chat.GetResponseAsync("Hi");
        stopped.Text.Should().Be("Hello there", "a turn marker ends the reply");
        stopped.FinishReason.Should().Be(ChatFinishReason.Stop);
        long input = Bytes.Encode(ChatPromptTemplate.Render([new ChatMessage(ChatRole.User, "Hi")])).Length;
        stopped.Usage.Should().BeEquivalentTo(new UsageDetails { InputTokenCount = input, OutputTokenCount = 19, TotalTokenCount = input + 19 });

        var (separated, _) = Scripted("Hello there\n<|user|>\nno", 1);
        (await separated.GetResponseAsync("Hi")).Text.Should().Be("Hello there", "the newline before a turn marker is the template's separator, not the reply's");

        var (limited, _) = Scripted("abcdefgh", 3);
        var length = await limited.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 4 });
        length.Text.Should().Be("abcd");
        length.FinishReason.Should().Be(ChatFinishReason.Length);
        length.Usage!.OutputTokenCount.Should().Be(4);

        var own = await limited.GetResponseAsync("Hi", new ChatOptions { StopSequences = ["ef"], MaxOutputTokens = 8 });
        own.Text.Should().Be("abcd");
        own.FinishReason.Should().Be(ChatFinishReason.Stop);
        own.Usage!.OutputTokenCount.Should().Be(6, "rounds of 3 tokens: the stop sequence completes in the second");

        var decoder = new ScriptedDecoder(Bytes.VocabSize, [.. Bytes.Encode("ok"), 256, 'x'], 1);
        var ended = await new LinearDslChatClient(new TextGenerator(Bytes, decoder)).GetResponseAsync("Hi");
        ended.Text.Should().Be("ok");
        ended.FinishReason.Should().Be(ChatFinishReason.Stop);
    }

    [Fact]
    public void Cancelling_a_stream_stops_it_and_frees_every_tensor_of_the_request()
    {
        using var provider = Provider(speculative: true);
        var chat = provider.GetRequiredService<IChatClient>();
        int thread = Environment.CurrentManagedThreadId;
        long before = 0, during = 0;
        int updates = 0;
        bool cancelled = false;
        SingleThread.Run(async () =>
        {
            // Warm up: the first request builds the models' lazy caches, which stay.
            await chat.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 32 });
            before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            using var cancellation = new CancellationTokenSource();
            try
            {
                await foreach (var _ in chat.GetStreamingResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 10_000 }, cancellation.Token))
                {
                    if (++updates > 1) continue;
                    during = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                    cancellation.Cancel();
                }
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }
            Environment.CurrentManagedThreadId.Should().Be(thread, "every continuation ran on the test thread");
        });

        cancelled.Should().BeTrue();
        updates.Should().Be(1, "no round starts after the cancellation");
        during.Should().BeGreaterThan(before, "the session's states are alive while it streams (so the count sees this request)");
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before, "the cancelled session freed its states");
        var target = provider.GetRequiredKeyedService<CausalLanguageModel>("target");
        ModelLocks.IsHeld(target).Should().BeFalse("the request released the models");
    }
}
