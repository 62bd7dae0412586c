using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using static LinearDsl.Runtime.Tests.Decoding.PairDistributions;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>
/// Speculative sampling draws from the target's distribution: with a 4-token vocabulary the exact probability of
/// every pair of first tokens is computable from the target, and the empirical distribution of 6,000 seeded rows
/// must match it in total variation. A deliberately wrong rule (accept every draft) must fail the same test.
/// </summary>
public sealed class SpeculativeSamplingDistributionTests
{
    const int Rows = 6000;

    // For 16 outcomes and 6,000 rows the expected total variation of an exact sampler is about
    // 0.5 * sum_i sqrt(2 p_i (1 - p_i) / (pi N)) <= 0.5 * 16 * sqrt(2 / 16 / (pi * 6000)) ~= 0.02; 0.05 leaves room
    // for the seeds while the wrong rule lands near TV(draft, target), which the test requires to exceed 0.2.
    const double Tolerance = 0.05;

    [Theory]
    [InlineData(1.0, 0, 1.0)]
    [InlineData(0.8, 3, 0.9)]
    public void First_two_tokens_follow_the_target_distribution(double temperature, int topK, double topP)
    {
        using var scope = NewDisposeScope();
        var sampling = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP };
        using var target = Model(seed: 1, sharpen: 3);
        using var draft = Model(seed: 2, sharpen: 3);
        long[] prompt = [1, 3, 0];

        var exact = ExactPairs(target, prompt, sampling);
        var draftExact = ExactPairs(draft, prompt, sampling);
        TotalVariation(exact, draftExact).Should().BeGreaterThan(0.2, "the draft must differ enough for a wrong rule to show");

        var decoder = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 2 });
        var prompts = Enumerable.Range(0, Rows).Select(_ => (IReadOnlyList<long>)prompt).ToArray();
        var options = new GenerationOptions { MaxNewTokens = 2, Sampling = sampling, Seed = 17 };

        using (var session = decoder.Start(prompts, options))
        {
            session.RunToEnd();
            TotalVariation(Empirical(session), exact).Should().BeLessThan(Tolerance);
            session.Statistics.AcceptanceRate.Should().BeInRange(0.05, 0.95, "both acceptance and rejection must occur");
        }
        using (var wrong = decoder.StartWithRule(prompts, options, AcceptanceRule.AlwaysAccept))
        {
            wrong.RunToEnd();
            TotalVariation(Empirical(wrong), exact).Should().BeGreaterThan(2 * Tolerance, "accepting every draft samples the draft, not the target");
        }
    }
}
