using LinearDsl.Runtime.Data;

namespace LinearDsl.Study.Tests.Encoders;

/// <summary>BERT-style masking: the chosen share, the 80/10/10 split, labels only where chosen, and determinism by seed.</summary>
public sealed class TokenMaskingTests
{
    const int Mask = 256;

    static long[] Row(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (long)random.Next(256)).ToArray();
    }

    [Fact]
    public void Each_row_chooses_fifteen_percent_and_splits_them_80_10_10()
    {
        int chosen = 0, masked = 0, replaced = 0, kept = 0;
        for (int i = 0; i < 400; i++)
        {
            var row = Row(256, i);
            var result = TokenMasking.Mask(row, Mask, 256, (ulong)i);
            result.Chosen.Should().Be(38, "round(0.15 x 256) positions are chosen in every row");
            for (int t = 0; t < row.Length; t++)
            {
                if (result.Labels[t] == TokenMasking.Ignore)
                {
                    result.Inputs[t].Should().Be(row[t], "a position that is not chosen is left as it is");
                    continue;
                }
                result.Labels[t].Should().Be(row[t], "the label is the original token");
                chosen++;
                if (result.Inputs[t] == Mask) masked++;
                else if (result.Inputs[t] == row[t]) kept++;
                else replaced++;
            }
        }
        chosen.Should().Be(400 * 38);
        ((double)masked / chosen).Should().BeApproximately(0.8, 0.02);
        // A random replacement equals the original 1 time in 256, so "kept" slightly exceeds 10 %.
        ((double)replaced / chosen).Should().BeApproximately(0.1 * 255 / 256, 0.015);
        ((double)kept / chosen).Should().BeApproximately(0.1 + 0.1 / 256, 0.015);
    }

    [Fact]
    public void The_same_seed_gives_the_same_mask_and_another_seed_another()
    {
        var row = Row(128, 1);
        var first = TokenMasking.Mask(row, Mask, 256, 42);
        var again = TokenMasking.Mask(row, Mask, 256, 42);
        var other = TokenMasking.Mask(row, Mask, 256, 43);
        again.Inputs.Should().Equal(first.Inputs);
        again.Labels.Should().Equal(first.Labels);
        other.Labels.Should().NotEqual(first.Labels);
    }

    [Fact]
    public void A_short_row_still_has_one_chosen_position_and_bad_options_are_refused()
    {
        TokenMasking.Mask([5, 6, 7], Mask, 256, 1).Chosen.Should().Be(1);
        var act = () => TokenMasking.Mask([1, 2], Mask, 256, 1, new MaskingOptions { MaskShare = 0.9, RandomShare = 0.2 });
        act.Should().Throw<ArgumentException>().WithMessage("*add up to at most 1*");
    }
}
