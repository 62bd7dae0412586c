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
                foreach (var rows in new[] { session.Target, session.Draft! })
                {
                    for (int b = 0; b < session.Batch; b++)
                    {
                        if (session.FinishReasons[b] is not null) continue;
                        var text = prompts[b].Concat(session.Generated[b]).ToArray();
                        var committed = text.Take(text.Length - rows.Queue(b).Count).ToArray();
                        rows.Queue(b).Should().Equal(text.Skip(committed.Length), "the queue holds the newest tokens");
                        AssertStateEqualsPrefill(rows.Model, rows.State, b, committed);
                    }
                }
            }
            rounds.Should().BeGreaterThan(3);
            session.Statistics.AcceptanceRate.Should().BeLessThan(1, "the test needs rejections");
            session.Statistics.AcceptedTokens.Should().BeGreaterThan(0, "the test needs acceptances");
        }
    }

    static void AssertStateEqualsPrefill(CausalLanguageModel model, ModelState state, int row, long[] committed)
    {
        using var scope = NewDisposeScope();
        using var fresh = model.CreateState(1);
        model.Prefill(tensor(committed, [1, committed.Length], ScalarType.Int64), fresh);
        state.Positions[row].Should().Be(committed.Length);
        for (int layer = 0; layer < fresh.Layers.Count; layer++)
        {
            foreach (var (name, expected) in fresh.Layers[layer].Tensors)
            {
                var actual = state.Layers[layer].Tensors[name][row];
                long common = Math.Min(actual.shape[1], expected[0].shape[1]);
                var difference = actual.narrow(1, 0, common).sub(expected[0].narrow(1, 0, common)).abs().max().item<double>();
                difference.Should().BeLessThan(1e-9, $"layer {layer} '{name}' of row {row}");
            }
        }
    }
}
