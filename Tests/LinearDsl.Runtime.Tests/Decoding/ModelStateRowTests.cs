using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>
/// Rows joining and leaving a batched state (continuous batching): a row's state after append, keep and copy is bit for
/// bit the state it had before, and decoding on in the batch gives each row what it gives alone, to float64 rounding
/// (the fused projections block tokens by fives, fours, threes, twos and ones with different accumulators, so a row's
/// sums are not bit-identical across batch sizes; they are equal to about 1e-15 relative).
/// </summary>
public sealed class ModelStateRowTests
{
    /// <summary>Every tensor of <paramref name="actual"/> equals <paramref name="expected"/>'s; a batched KV cache may be longer, its extra slots zero.</summary>
    static void ShouldMatch(ModelState actual, ModelState expected, string because, bool exact = true)
    {
        actual.Positions.Should().Equal(expected.Positions, because);
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            foreach (var (name, want) in expected.Layers[i].Tensors)
            {
                var got = actual.Layers[i].Tensors[name];
                using var scope = NewDisposeScope();
                var common = got;
                var wanted = want;
                for (int d = 1; d < want.dim(); d++)
                {
                    long size = Math.Min(got.shape[d], want.shape[d]);
                    if (got.shape[d] > size) got.narrow(d, size, got.shape[d] - size).count_nonzero().item<long>().Should().Be(0, $"{because}: padding of '{name}' is zero");
                    if (want.shape[d] > size) want.narrow(d, size, want.shape[d] - size).count_nonzero().item<long>().Should().Be(0, $"{because}: '{name}' beyond the common size is zero");
                    common = common.narrow(d, 0, size);
                    wanted = wanted.narrow(d, 0, size);
                }
                if (exact) ModelForms.BitIdentical(common, wanted).Should().BeTrue($"{because}: layer {i} '{name}' must be bit-identical");
                else common.allclose(wanted, rtol: 1e-12, atol: 1e-12).Should().BeTrue($"{because}: layer {i} '{name}' must agree to float64 rounding");
            }
        }
    }

    static ModelState Prefilled(CausalLanguageModel model, Tensor tokens, long length)
    {
        var state = model.CreateState(1);
        using var scope = NewDisposeScope();
        model.Prefill(tokens.narrow(1, 0, length), state);
        return state;
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Rows_appended_kept_and_copied_are_bit_identical_to_the_rows_alone(string name)
    {
        using var model = ModelCatalog.Create(name);
        using var scope = NewDisposeScope();
        var tokens = ModelCatalog.Tokens(3, 24, seed: 4);
        long[] lengths = [5, 11, 2];
        var alone = Enumerable.Range(0, 3).Select(b => Prefilled(model, tokens.narrow(0, b, 1), lengths[b])).ToArray();
        try
        {
            using var batch = Prefilled(model, tokens.narrow(0, 0, 1), lengths[0]);
            batch.AppendRows(alone[1]);
            batch.AppendRows(alone[2]);
            batch.Batch.Should().Be(3);
            batch.Positions.Should().Equal(lengths);
            for (int b = 0; b < 3; b++)
            {
                using var copy = batch.CopyRows([b]);
                ShouldMatch(copy, alone[b], $"{name}, row {b} after append");
            }

            // Decoding on: each row at its own position, one batched call per form, against each row alone.
            for (int round = 0; round < 6; round++)
            {
                var next = ModelForms.Take(tokens, batch.Positions, round % 2 == 0 ? 1 : 3);
                if (next.shape[1] == 1) model.Step(next, batch);
                else
                {
                    var (_, pending) = model.Verify(next, batch);
                    long[] accepted = [3, 1, 2];
                    using (pending) model.Commit(batch, pending, accepted);
                }
                for (int b = 0; b < 3; b++)
                {
                    var row = next.narrow(0, b, 1);
                    if (row.shape[1] == 1) model.Step(row, alone[b]);
                    else
                    {
                        var (_, pending) = model.Verify(row, alone[b]);
                        using (pending) model.Commit(alone[b], pending, [new long[] { 3, 1, 2 }[b]]);
                    }
                }
            }
            for (int b = 0; b < 3; b++)
            {
                using var copy = batch.CopyRows([b]);
                ShouldMatch(copy, alone[b], $"{name}, row {b} after batched decoding", exact: false);
            }

            // Rows leave (and reorder); the rest are bit for bit what they were.
            using var row2 = batch.CopyRows([2]);
            using var row0 = batch.CopyRows([0]);
            var kept = ModelForms.Take(tokens, [batch.Positions[2], batch.Positions[0]], 1);
            batch.KeepRows([2, 0]);
            batch.Batch.Should().Be(2);
            using (var copy = batch.CopyRows([0])) ShouldMatch(copy, row2, $"{name}, row 2 after keep");
            using (var copy = batch.CopyRows([1])) ShouldMatch(copy, row0, $"{name}, row 0 after keep");
            var logits = model.Step(kept, batch);
            var soloLogits = model.Step(kept.narrow(0, 0, 1), row2);
            logits.narrow(0, 0, 1).allclose(soloLogits, rtol: 1e-12, atol: 1e-12).Should().BeTrue($"{name}: a kept row steps on as alone");
        }
        finally
        {
            foreach (var state in alone) state.Dispose();
        }
    }

    [Fact]
    public void A_pending_verification_is_refused_after_the_rows_change_and_bad_rows_are_refused()
    {
        using var model = ModelCatalog.Create("aug-rope");
        using var scope = NewDisposeScope();
        var tokens = ModelCatalog.Tokens(1, 8);
        using var batch = Prefilled(model, tokens, 3);
        using var other = Prefilled(model, tokens, 5);
        var (_, pending) = model.Verify(tokens.narrow(1, 3, 2), batch);
        using (pending)
        {
            batch.AppendRows(other);
            var commit = () => model.Commit(batch, pending, [2, 2]);
            commit.Should().Throw<Exception>();
        }
        var keepNone = () => batch.KeepRows([]);
        keepNone.Should().Throw<ArgumentException>();
        var keepOutside = () => batch.KeepRows([2]);
        keepOutside.Should().Throw<ArgumentOutOfRangeException>();
        batch.Batch.Should().Be(2, "a refused change leaves the state as it was");
        using var foreign = ModelCatalog.Create("aug-rope", seed: 9);
        using var foreignState = foreign.CreateState(1);
        var join = () => batch.AppendRows(foreignState);
        join.Should().Throw<ArgumentException>();
    }
}
