using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Decoding.Batching;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>
/// The batched decode of the continuous batcher: rows that join at different rounds, at different positions, with
/// their own sampling settings, limits, seeds and (adaptive) draft lengths, advance in ONE batched state per model and
/// emit exactly the tokens each gives in a session of its own.
/// </summary>
public sealed class BatchedDecodeTests
{
    static GenerationOptions RowOptions(int row, bool sampled) => new()
    {
        MaxNewTokens = 6 + 3 * row,
        EndOfTextToken = row % 2 == 0 ? null : 3,
        Sampling = sampled ? new SamplingOptions { Temperature = 0.6 + 0.2 * row, TopP = row == 2 ? 0.8 : 1 } : SamplingOptions.Greedy,
        Seed = 11 * row,
    };

    public static TheoryData<string, bool, bool, bool> Cases()
    {
        var data = new TheoryData<string, bool, bool, bool>();
        foreach (var pair in new[] { "linear", "softmax", "hybrid" })
            foreach (bool speculative in new[] { false, true })
                foreach (bool sampled in new[] { false, true })
                    data.Add(pair, speculative, sampled, speculative && sampled);
        data.Add("linear", true, false, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rows_that_join_and_leave_a_running_batch_emit_the_tokens_they_emit_alone(string pair, bool speculative, bool sampled, bool adaptive)
    {
        var (target, draft) = DecodingModels.Create(pair);
        try
        {
            var speculation = new SpeculationOptions { DraftTokens = 3, Adaptive = adaptive, MaxDraftTokens = 6 };
            ITokenDecoder decoder = speculative ? new SpeculativeDecoder(target, draft, speculation) : new PlainDecoder(target);
            var prompts = DecodingModels.Prompts(5, seed: 9);
            var solo = prompts.Select((p, i) =>
            {
                using var session = decoder.Start([p], RowOptions(i, sampled));
                session.RunToEnd();
                return session.Generated[0].ToArray();
            }).ToArray();

            using var batch = speculative ? new BatchedDecode(target, draft, speculation) : new BatchedDecode(target, null, null);
            var rows = new List<(int Index, RowDecoding Row)>();
            var tokens = prompts.Select(_ => new List<long>()).ToArray();
            int next = 0, widest = 0;
            for (int round = 0; next < prompts.Count || rows.Count > 0; round++)
            {
                // Rows join between rounds: two at the start, then one every other round.
                while (next < prompts.Count && (round == 0 ? rows.Count < 2 : round % 2 == 0 && rows.Count < 4))
                {
                    var row = batch.NewRow(RowOptions(next, sampled));
                    var (t, d) = batch.Prefill(prompts[next], null, null, null, default);
                    batch.Join(row, t, d);
                    rows.Add((next++, row));
                    if (round > 0) break;
                }
                if (rows.Count == 0) continue;
                widest = Math.Max(widest, batch.Count);
                batch.TargetState!.Batch.Should().Be(batch.Count, "every row's target state lives in one batched state");
                var emitted = batch.Round();
                for (int b = 0; b < rows.Count; b++) tokens[rows[b].Index].AddRange(emitted[b]);
                var kept = Enumerable.Range(0, rows.Count).Where(b => rows[b].Row.Finished is null).ToArray();
                batch.Keep(kept);
                rows = kept.Select(b => rows[b]).ToList();
            }
            widest.Should().BeGreaterThan(2, "rows share rounds");
            for (int i = 0; i < prompts.Count; i++) tokens[i].Should().Equal(solo[i], $"{pair}: row {i} must not depend on the rows beside it");
            batch.TargetState.Should().BeNull("the states are freed when the last row leaves");
        }
        finally
        {
            target.Dispose();
            if (!ReferenceEquals(draft, target)) draft.Dispose();
        }
    }
}
