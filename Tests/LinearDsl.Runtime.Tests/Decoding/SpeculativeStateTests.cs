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
                foreach (var rows in new[] { session.Target, session.Draft })
                {
                    // A finished row keeps stepping in lockstep, but its tokens are no longer emitted: skip it.
                    for (int b = 0; b < session.Batch; b++)
                    {
                        if (session.FinishReasons[b] is not null) continue;
                        // Committed = prompt + generated, minus what still waits in the model's queue.
                        var text = prompts[b].Concat(session.Generated[b]).ToArray();
                        var committed = text.Take(text.Length - rows.Queue(b).Count).ToArray();
                        rows.Queue(b).Should().Equal(text.Skip(committed.Length), "the queue holds the newest tokens");
                        AssertStateEqualsPrefill(rows.Model, rows.State, b, committed);
                    }
                }
            }
            rounds.Should().BeGreaterThan(3);
            session.Statistics.AcceptanceRate.Should().BeLessThan(1, "the test needs rejections");
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
