using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>Checks that a session's model rows hold exactly the state of prefilling their committed tokens from scratch.</summary>
internal static class CommittedStates
{
    /// <summary>For every unfinished row of <paramref name="models"/>: the queue holds the newest tokens and the state is a fresh prefill of the rest.</summary>
    public static void AssertEachRowEqualsPrefill(DecodingSession session, IReadOnlyList<IReadOnlyList<long>> prompts, params ModelRows[] models)
    {
        foreach (var rows in models)
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
