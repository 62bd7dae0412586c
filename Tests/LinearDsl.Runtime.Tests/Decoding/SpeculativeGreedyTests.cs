using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>Greedy speculative decoding emits exactly the tokens of greedy decoding of the target.</summary>
public sealed class SpeculativeGreedyTests
{
    [Theory]
    [MemberData(nameof(DecodingModels.Pairs), MemberType = typeof(DecodingModels))]
    public void Greedy_speculative_output_is_token_identical_to_plain_greedy(string pair)
    {
        var (target, draft) = DecodingModels.Create(pair);
        try
        {
            var options = new GenerationOptions { MaxNewTokens = 16, Sampling = SamplingOptions.Greedy };
            // Batch 1 over several prompts, and one batch of three rows with uneven prompts.
            foreach (var (batch, promptSeed) in new[] { (1, 5), (1, 6), (1, 7), (1, 8), (3, 5) })
            {
                var prompts = DecodingModels.Prompts(batch, promptSeed);
                using var plain = new PlainDecoder(target).Start(prompts, options);
                plain.RunToEnd();
                foreach (bool adaptive in new[] { false, true })
                {
                    for (int m = 1; m <= 8; m++)
                    {
                        var speculation = new SpeculationOptions { DraftTokens = m, Adaptive = adaptive, MaxDraftTokens = 8 };
                        using var speculative = new SpeculativeDecoder(target, draft, speculation).Start(prompts, options);
                        speculative.RunToEnd();
                        for (int b = 0; b < batch; b++)
                            speculative.Generated[b].Should().Equal(plain.Generated[b], $"pair {pair}, prompts {promptSeed}, batch {batch}, row {b}, m = {m}, adaptive = {adaptive}");
                        speculative.Statistics.TargetCalls.Should().BeLessThanOrEqualTo(plain.Statistics.TargetCalls);
                    }
                }
            }
        }
        finally
        {
            target.Dispose();
            if (!ReferenceEquals(draft, target)) draft.Dispose();
        }
    }

    [Fact]
    public void A_perfect_draft_is_always_accepted_and_saves_target_calls()
    {
        var (target, _) = DecodingModels.Create("self");
        using (target)
        {
            var options = new GenerationOptions { MaxNewTokens = 20, Sampling = SamplingOptions.Greedy };
            using var session = new SpeculativeDecoder(target, target, new SpeculationOptions { DraftTokens = 4 }).Start(DecodingModels.Prompts(1), options);
            session.RunToEnd();
            session.Statistics.AcceptanceRate.Should().Be(1);
            session.Statistics.TargetCalls.Should().Be(4, "each round yields 4 accepted tokens plus a bonus: 20 tokens in 4 calls");
            session.Statistics.MeanAcceptedLength.Should().Be(5);
        }
    }
}
