using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Decoding.Batching;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Server.Tests;

/// <summary>The continuous batcher alone: rows beside each other decode exactly as alone; the state cache changes nothing but the work.</summary>
public sealed class BatcherTests : IDisposable
{
    readonly CausalLanguageModel _target = TestModels.Target();
    readonly CausalLanguageModel _draft = TestModels.Draft();

    ITokenDecoder Decoder(bool speculative) => speculative
        ? new SpeculativeDecoder(_target, _draft, new SpeculationOptions { DraftTokens = 3 })
        : new PlainDecoder(_target);

    static long[] Tokens(string text) => System.Text.Encoding.ASCII.GetBytes(text).Select(b => (long)b).ToArray();

    static GenerationOptions Options(int maxTokens, double temperature, int seed) => new()
    {
        MaxNewTokens = maxTokens,
        EndOfTextToken = TestModels.Vocab - 1,
        Sampling = new SamplingOptions { Temperature = temperature },
        Seed = seed,
    };

    static async Task<(long[] Tokens, BatchRowResult Result)> Collect(BatchRow row)
    {
        var tokens = new List<long>();
        await foreach (var chunk in row.Tokens.ReadAllAsync()) tokens.AddRange(chunk);
        return (tokens.ToArray(), await row.Completion);
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.0)]
    [InlineData(false, 1.0)]
    [InlineData(true, 1.0)]
    public async Task Rows_beside_others_give_the_tokens_they_give_alone(bool speculative, double temperature)
    {
        var decoder = Decoder(speculative);
        var prompts = TestPrompts.All.Select(Tokens).ToArray();
        var solo = prompts.Select((p, i) =>
        {
            using var session = decoder.Start([p], Options(12 + 3 * i, temperature, seed: i));
            session.RunToEnd();
            return session.Generated[0].ToArray();
        }).ToArray();

        using var batcher = new ContinuousBatcher(decoder, new BatchingOptions { MaxBatch = 5, MaxQueue = 100, StateCacheBytes = 0 });
        int widest = 0;
        batcher.RoundCompleted += rows => widest = Math.Max(widest, rows);
        // Rows of different lengths join while others run, and leave at different rounds.
        var rows = new List<BatchRow>();
        for (int i = 0; i < prompts.Length; i++)
        {
            rows.Add(batcher.Submit(prompts[i], Options(12 + 3 * i, temperature, seed: i)));
            if (i % 3 == 2) await Task.Delay(5);
        }
        var results = await Task.WhenAll(rows.Select(Collect));
        for (int i = 0; i < prompts.Length; i++) results[i].Tokens.Should().Equal(solo[i], $"row {i} must not depend on its neighbours");
        widest.Should().BeGreaterThan(1, "concurrent rows share rounds");
        widest.Should().BeLessThanOrEqualTo(5);
        if (speculative) results.Sum(r => r.Result.Statistics.DraftedTokens).Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.0)]
    [InlineData(true, 1.0)]
    public async Task Follow_up_turns_resume_the_cached_state_and_give_the_same_tokens(bool speculative, double temperature)
    {
        var decoder = Decoder(speculative);
        using var cached = new ContinuousBatcher(decoder, new BatchingOptions { StateCacheBytes = 64L << 20 });
        using var uncached = new ContinuousBatcher(decoder, new BatchingOptions { StateCacheBytes = 0 });
        long[] conversation = Tokens("User: hello\nAssistant:");
        int reusedTurns = 0;
        for (int turn = 0; turn < 5; turn++)
        {
            var with = await Collect(cached.Submit(conversation, Options(7 + turn, temperature, seed: turn)));
            var without = await Collect(uncached.Submit(conversation, Options(7 + turn, temperature, seed: turn)));
            with.Tokens.Should().Equal(without.Tokens, $"turn {turn} must not depend on the cache");
            without.Result.ReusedPromptTokens.Should().Be(0);
            if (turn > 0 && with.Result.ReusedPromptTokens > 0)
            {
                reusedTurns++;
                with.Result.ReusedPromptTokens.Should().BeLessThan(conversation.Length);
            }
            // The next turn: the whole conversation so far, the reply as generated, and a new user line.
            conversation = [.. conversation, .. with.Tokens.Where(t => t != TestModels.Vocab - 1), .. Tokens($"\nUser: turn {turn}\nAssistant:")];
        }
        reusedTurns.Should().Be(4, "every follow-up extends the conversation cached at the end of the previous reply");
        cached.CachedConversations.Should().Be(1);
        cached.CachedStateBytes.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task The_cache_stays_within_its_byte_budget()
    {
        using var probe = new ContinuousBatcher(new PlainDecoder(_target), new BatchingOptions { StateCacheBytes = 64L << 20 });
        await Collect(probe.Submit(Tokens("abc"), Options(3, 0, 0)));
        long entry = probe.CachedStateBytes;
        entry.Should().BeGreaterThan(0);

        using var batcher = new ContinuousBatcher(new PlainDecoder(_target), new BatchingOptions { StateCacheBytes = 2 * entry + entry / 2 });
        foreach (var prompt in TestPrompts.All.Take(5)) await Collect(batcher.Submit(Tokens(prompt), Options(3, 0, 0)));
        batcher.CachedConversations.Should().Be(2, "the least recently used conversations leave first");
        batcher.CachedStateBytes.Should().BeLessThanOrEqualTo(2 * entry + entry / 2);
        // The oldest conversation was evicted: its follow-up prefills everything again.
        var first = await Collect(batcher.Submit(Tokens(TestPrompts.All[0] + " and more"), Options(3, 0, 0)));
        first.Result.ReusedPromptTokens.Should().Be(0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_long_prompt_joins_over_several_rounds_while_the_running_rows_go_on(bool speculative)
    {
        var decoder = Decoder(speculative);
        long[] shortPrompt = Tokens("User: hi\nAssistant:");
        long[] longPrompt = Tokens(string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 22)));
        var runningOptions = Options(300, 0, 0) with { EndOfTextToken = null };
        var joiningOptions = Options(6, 0, 1);
        long[] Alone(long[] prompt, GenerationOptions options)
        {
            using var session = decoder.Start([prompt], options);
            session.RunToEnd();
            return session.Generated[0].ToArray();
        }

        using var batcher = new ContinuousBatcher(decoder, new BatchingOptions { MaxBatch = 2, StateCacheBytes = 0 });
        var rounds = new List<int>();
        batcher.RoundCompleted += rows => { lock (rounds) rounds.Add(rows); };
        var running = batcher.Submit(shortPrompt, runningOptions);
        await running.Tokens.WaitToReadAsync();
        int before;
        lock (rounds) before = rounds.Count;
        var joining = batcher.Submit(longPrompt, joiningOptions);
        var joined = await Collect(joining);
        var all = await Collect(running);

        int[] after;
        lock (rounds) after = rounds.Skip(before).ToArray();
        const int joinChunk = 128; // ContinuousBatcher.JoinChunk (internal)
        int aloneRounds = Array.IndexOf(after, 2);
        aloneRounds.Should().BeGreaterThanOrEqualTo((longPrompt.Length - 1) / joinChunk - 1,
            $"the running row gets a round after every {joinChunk} prompt tokens of the joining row");
        joined.Tokens.Should().Equal(Alone(longPrompt, joiningOptions), "a prompt fed in chunks gives the tokens it gives alone");
        all.Tokens.Should().Equal(Alone(shortPrompt, runningOptions));
    }

    [Fact]
    public async Task A_cancelled_row_leaves_within_a_round_and_a_full_queue_refuses()
    {
        using var batcher = new ContinuousBatcher(new PlainDecoder(_target), new BatchingOptions { MaxBatch = 1, MaxQueue = 1, StateCacheBytes = 0 });
        using var cancel = new CancellationTokenSource();
        // No end of text: the row runs until it is cancelled (with it, this seed ends the row after 34 tokens, which a fast
        // scheduler can reach before the cancellation).
        var running = batcher.Submit(Tokens("a"), Options(100_000, 1, 0) with { EndOfTextToken = null }, cancel.Token);
        await running.Tokens.WaitToReadAsync();
        var waiting = batcher.Submit(Tokens("b"), Options(2, 0, 0));
        var refused = () => batcher.Submit(Tokens("c"), Options(2, 0, 0));
        refused.Should().Throw<BatcherRefusedException>().Which.Reason.Should().Be(BatcherRefusal.QueueFull);

        cancel.Cancel();
        var cancelled = async () => await running.Completion;
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        (await Collect(waiting)).Result.FinishReason.Should().BeOneOf(FinishReason.Length, FinishReason.EndOfText);
        batcher.ActiveRows.Should().Be(0);
    }

    [Fact]
    public async Task Draining_refuses_new_rows_and_lets_running_ones_finish()
    {
        using var batcher = new ContinuousBatcher(new PlainDecoder(_target), new BatchingOptions { StateCacheBytes = 0 });
        var row = batcher.Submit(Tokens("a"), Options(30, 0, 0));
        var drained = batcher.DrainAsync();
        var refused = () => batcher.Submit(Tokens("b"), Options(2, 0, 0));
        refused.Should().Throw<BatcherRefusedException>().Which.Reason.Should().Be(BatcherRefusal.ShuttingDown);
        await drained.WaitAsync(TimeSpan.FromMinutes(1));
        (await row.Completion).GeneratedTokens.Should().BeGreaterThan(0);
    }

    public void Dispose()
    {
        _target.Dispose();
        _draft.Dispose();
    }
}
