using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Decoding.Batching;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>
/// <see cref="GenerationOptions.StopTokenSequences"/>: a row stops right after a stop sequence, emits it, and its states
/// hold nothing past it (every generated token but the last is fed), in sessions and in the batched decode.
/// </summary>
public sealed class StopTokenTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_row_stops_right_after_a_stop_sequence_and_its_state_ends_there(bool speculative)
    {
        var (target, draft) = DecodingModels.Create("linear");
        try
        {
            ITokenDecoder decoder = speculative
                ? new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 4 })
                : new PlainDecoder(target);
            var prompt = DecodingModels.Prompts(1)[0];
            var free = new GenerationOptions { MaxNewTokens = 20, Sampling = SamplingOptions.Greedy };
            using var unstopped = decoder.Start([prompt], free);
            unstopped.RunToEnd();
            var all = unstopped.Generated[0];
            // A stop sequence that first completes at token 6 (the two tokens ending there).
            long[] stop = [all[4], all[5]];
            int end = Enumerable.Range(1, all.Count - 1).First(i => all[i - 1] == stop[0] && all[i] == stop[1]) + 1;
            var options = free with { StopTokenSequences = [stop] };

            using var session = decoder.Start([prompt], options);
            session.RunToEnd();
            session.Generated[0].Should().Equal(all.Take(end), "the row emits the stop sequence and nothing after it");
            session.FinishReasons[0].Should().Be(FinishReason.Stopped);
            var state = session switch
            {
                PlainDecodingSession plain => plain.Target.State,
                SpeculativeDecodingSession spec => spec.Target.State,
                _ => throw new InvalidOperationException(),
            };
            state.Positions[0].Should().Be(prompt.Count + end - 1, "everything but the last token is fed, nothing past the stop");

            using var batch = speculative
                ? new BatchedDecode(target, draft, new SpeculationOptions { DraftTokens = 4 })
                : new BatchedDecode(target, null, null);
            var row = batch.NewRow(options);
            var (t, d) = batch.Prefill(prompt, null, null, null, default);
            batch.Join(row, t, d);
            var tokens = new List<long>();
            while (row.Finished is null) tokens.AddRange(batch.Round()[0]);
            tokens.Should().Equal(all.Take(end));
            row.Finished.Should().Be(FinishReason.Stopped);
            batch.Positions(0).Target.Should().Be(prompt.Count + end - 1);
        }
        finally
        {
            target.Dispose();
            if (!ReferenceEquals(draft, target)) draft.Dispose();
        }
    }

    [Fact]
    public void An_empty_stop_sequence_is_refused()
    {
        var options = new GenerationOptions { StopTokenSequences = [[]] };
        var validate = () => options.Validate();
        validate.Should().Throw<ArgumentException>().WithMessage("*stop token sequence is empty*");
    }
}
