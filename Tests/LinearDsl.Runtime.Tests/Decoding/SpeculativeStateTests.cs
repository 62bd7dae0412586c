using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>After every round, each model's state is the state of prefilling its committed tokens from scratch.</summary>
public sealed class SpeculativeStateTests
{
    [Theory]
    [InlineData("linear")]
    [InlineData("hybrid")]
    public void After_rejections_each_state_equals_a_fresh_prefill_of_the_accepted_text(string pair)
    {
        using var scope = NewDisposeScope();
        var (target, draft) = DecodingModels.Create(pair);
        using (target)
        using (draft)
        {
            var prompts = DecodingModels.Prompts(3);
            var options = new GenerationOptions { MaxNewTokens = 40, Sampling = new SamplingOptions { Temperature = 1 }, Seed = 3 };
            using var session = (SpeculativeDecodingSession)new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 5 }).Start(prompts, options);
            int rounds = 0;
            while (!session.IsFinished)
            {
                session.NextRound();
                rounds++;
                CommittedStates.AssertEachRowEqualsPrefill(session, prompts, session.Target, session.Draft);
            }
            rounds.Should().BeGreaterThan(3);
            session.Statistics.AcceptanceRate.Should().BeLessThan(1, "the test needs rejections");
        }
    }
}
