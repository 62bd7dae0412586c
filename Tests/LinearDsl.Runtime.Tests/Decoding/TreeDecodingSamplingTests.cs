using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using static LinearDsl.Runtime.Tests.Decoding.PairDistributions;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>
/// Tree speculative sampling draws from the target's distribution, end to end through the session: with a 4-token
/// vocabulary the exact probability of every pair of first tokens is computable from the target, and the empirical
/// distribution of 6,000 seeded rows must match it in total variation. Skipping the residual update between siblings
/// must fail the same test, and so must the inexact typical acceptance.
/// </summary>
public sealed class TreeDecodingSamplingTests
{
    const int Rows = 6000;

    // As in the chain test: an exact sampler lands near 0.02 for 16 outcomes and 6,000 rows.
    const double Tolerance = 0.05;

    [Theory]
    [InlineData(1.0, 0, 1.0, "3,1")]
    [InlineData(0.8, 3, 0.9, "2,2")]
    [InlineData(1.0, 0, 1.0, "budget:5")]
    public void First_two_tokens_follow_the_target_distribution(double temperature, int topK, double topP, string shape)
    {
        using var scope = NewDisposeScope();
        var sampling = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP };
        using var target = Model(seed: 1, sharpen: 3);
        using var draft = Model(seed: 2, sharpen: 3);
        long[] prompt = [1, 3, 0];

        var exact = ExactPairs(target, prompt, sampling);
        TotalVariation(exact, ExactPairs(draft, prompt, sampling)).Should().BeGreaterThan(0.2, "the draft must differ enough for a wrong rule to show");

        var decoder = new TreeSpeculativeDecoder(target, draft, TreeDecodingGreedyTests.Options(shape));
        var prompts = Enumerable.Range(0, Rows).Select(_ => (IReadOnlyList<long>)prompt).ToArray();
        var options = new GenerationOptions { MaxNewTokens = 2, Sampling = sampling, Seed = 17 };

        using (var session = decoder.Start(prompts, options))
        {
            session.RunToEnd();
            TotalVariation(Empirical(session), exact).Should().BeLessThan(Tolerance);
            session.Statistics.AcceptanceRate.Should().BeInRange(0.05, 0.95, "both acceptance and rejection must occur");
        }
    }

    [Theory]
    [InlineData("3,1")]
    [InlineData("budget:5")]
    public void Wrong_variants_fail_the_same_test(string shape)
    {
        using var scope = NewDisposeScope();
        var sampling = new SamplingOptions { Temperature = 1 };
        using var target = Model(seed: 1, sharpen: 3);
        using var draft = Model(seed: 2, sharpen: 3);
        long[] prompt = [1, 3, 0];
        var exact = ExactPairs(target, prompt, sampling);
        var prompts = Enumerable.Range(0, Rows).Select(_ => (IReadOnlyList<long>)prompt).ToArray();
        var options = new GenerationOptions { MaxNewTokens = 2, Sampling = sampling, Seed = 17 };

        using (var wrong = new TreeSpeculativeDecoder(target, draft, TreeDecodingGreedyTests.Options(shape)).StartWithoutResidual(prompts, options))
        {
            wrong.RunToEnd();
            TotalVariation(Empirical(wrong), exact).Should().BeGreaterThan(2 * Tolerance, "without the residual update a rejected sibling's mass is offered again");
        }
        var typical = TreeDecodingGreedyTests.Options(shape) with { TreeAcceptance = TreeAcceptanceRule.TypicalInexact };
        using (var inexact = new TreeSpeculativeDecoder(target, draft, typical).Start(prompts, options))
        {
            inexact.RunToEnd();
            TotalVariation(Empirical(inexact), exact).Should().BeGreaterThan(2 * Tolerance, "typical acceptance favours likely tokens");
        }
    }
}
