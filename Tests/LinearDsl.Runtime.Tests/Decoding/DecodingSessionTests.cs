using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>Stop conditions, streaming, cancellation, statistics and native memory of decoding sessions.</summary>
public sealed class DecodingSessionTests
{
    [Fact]
    public void Rows_stop_at_the_length_limit_at_end_of_text_and_on_request()
    {
        var (target, draft) = DecodingModels.Create("linear");
        using (target)
        using (draft)
        {
            var prompts = DecodingModels.Prompts(3);
            using var probe = new PlainDecoder(target).Start(prompts, new GenerationOptions { MaxNewTokens = 12, Sampling = SamplingOptions.Greedy });
            probe.RunToEnd();
            long eot = probe.Generated[1][4];
            int firstEot = probe.Generated[1].ToList().IndexOf(eot);

            var options = new GenerationOptions { MaxNewTokens = 12, Sampling = SamplingOptions.Greedy, EndOfTextToken = eot };
            using var session = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 3 }).Start(prompts, options);
            session.NextRound();
            session.Stop(2);
            session.RunToEnd();

            session.FinishReasons[1].Should().Be(FinishReason.EndOfText);
            session.Generated[1].Should().Equal(probe.Generated[1].Take(firstEot + 1), "the row ends with its end-of-text token");
            session.FinishReasons[2].Should().Be(FinishReason.Stopped);
            session.Generated[2].Count.Should().BeLessThan(12);
            if (!probe.Generated[0].Contains(eot))
            {
                session.FinishReasons[0].Should().Be(FinishReason.Length);
                session.Generated[0].Should().Equal(probe.Generated[0]);
            }
            session.Statistics.TokensGenerated.Should().Be(session.Generated.Sum(g => g.Count));
            session.Statistics.TimeToFirstToken.Should().NotBeNull();
            session.Statistics.TokensPerSecond.Should().BePositive();
        }
    }

    [Fact]
    public void Streaming_yields_every_token_and_cancellation_stops_within_a_round()
    {
        var (target, draft) = DecodingModels.Create("softmax");
        using (target)
        using (draft)
        {
            var decoder = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 2 });
            var options = new GenerationOptions { MaxNewTokens = 10, Sampling = SamplingOptions.Greedy };
            var streamed = new List<long>();
            // The live tensor count is per thread: every continuation runs on this thread, so the count sees the session.
            SingleThread.Run(async () =>
            {
                using var session = decoder.Start(DecodingModels.Prompts(1), options);
                await foreach (var update in session.StreamAsync()) streamed.AddRange(update.Tokens);
                streamed.Should().Equal(session.Generated[0]).And.HaveCount(10);
            });

            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            using var cancellation = new CancellationTokenSource();
            var cancelled = decoder.Start(DecodingModels.Prompts(1), options with { MaxNewTokens = 1000 });
            int rounds = 0;
            bool threw = false;
            SingleThread.Run(async () =>
            {
                try
                {
                    await foreach (var _ in cancelled.StreamAsync(cancellation.Token))
                    {
                        if (++rounds == 2) cancellation.Cancel();
                    }
                }
                catch (OperationCanceledException)
                {
                    threw = true;
                }
            });
            threw.Should().BeTrue();
            cancelled.Statistics.Rounds.Should().Be(2, "the round in progress finishes, no further round starts");
            DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().BeGreaterThan(before, "the session's states are alive until it is disposed");
            cancelled.Dispose();
            DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before, "a cancelled session leaves no tensor behind");
        }
    }

    [Fact]
    public void A_thousand_speculative_rounds_do_not_grow_the_live_tensor_count()
    {
        var (target, draft) = DecodingModels.Create("linear");
        using (target)
        using (draft)
        {
            var options = new GenerationOptions { MaxNewTokens = 100_000, Sampling = new SamplingOptions { Temperature = 1 } };
            using var session = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 2 }).Start(DecodingModels.Prompts(2), options);
            for (int i = 0; i < 20; i++) session.NextRound();
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            for (int i = 0; i < 1000; i++) session.NextRound();
            DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
            session.Statistics.Rounds.Should().Be(1020);
        }
    }

    [Fact]
    public void Bad_requests_are_refused_with_the_reason()
    {
        var (target, draft) = DecodingModels.Create("linear");
        using (target)
        using (draft)
        {
            var decoder = new PlainDecoder(target);
            var options = new GenerationOptions();
            FluentActions.Invoking(() => decoder.Start([Array.Empty<long>()], options)).Should().Throw<ArgumentException>().WithMessage("Prompt 0 is empty*");
            FluentActions.Invoking(() => decoder.Start([new long[] { 1, 99 }], options)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("Prompt 0 holds token 99, outside the model's vocabulary of 32*");
            FluentActions.Invoking(() => decoder.Start([new long[] { 1 }], options with { Sampling = new SamplingOptions { TopP = 0 } })).Should().Throw<ArgumentOutOfRangeException>().WithMessage("TopP must be in (0, 1]*");
            FluentActions.Invoking(() => new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 9 })).Should().Throw<ArgumentOutOfRangeException>().WithMessage("DraftTokens must lie in [1, 8]*");
        }
    }
}
