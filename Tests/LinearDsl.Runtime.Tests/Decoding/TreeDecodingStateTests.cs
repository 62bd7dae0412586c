using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>After every tree round, the target's and the draft's states are the states of prefilling their committed tokens from scratch.</summary>
public sealed class TreeDecodingStateTests
{
    [Theory]
    [InlineData("linear", "2,2,1,1")]
    [InlineData("hybrid", "3,1,1")]
    [InlineData("softmax", "budget:7")]
    public void After_rejections_each_state_equals_a_fresh_prefill_of_the_accepted_text(string pair, string shape)
    {
        using var scope = NewDisposeScope();
        var (target, draft) = DecodingModels.Create(pair);
        using (target)
        using (draft)
        {
            var prompts = DecodingModels.Prompts(3);
            var options = new GenerationOptions { MaxNewTokens = 40, Sampling = new SamplingOptions { Temperature = 1 }, Seed = 3 };
            using var session = (TreeDecodingSession)new TreeSpeculativeDecoder(target, draft, TreeDecodingGreedyTests.Options(shape)).Start(prompts, options);
            int rounds = 0;
            while (!session.IsFinished)
            {
                session.NextRound();
                rounds++;
                CommittedStates.AssertEachRowEqualsPrefill(session, prompts, session.Target, session.Draft!);
            }
            rounds.Should().BeGreaterThan(3);
            session.Statistics.AcceptanceRate.Should().BeLessThan(1, "the test needs rejections");
            session.Statistics.AcceptedTokens.Should().BeGreaterThan(0, "the test needs acceptances");
        }
    }
}
