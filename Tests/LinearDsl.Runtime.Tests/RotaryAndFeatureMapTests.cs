using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Tests;

/// <summary>RoPE against a loop written from the Hugging Face LLaMA formula, and the Performer's seeded redraw.</summary>
public sealed class RotaryAndFeatureMapTests
{
    [Theory]
    [InlineData(8, 8)]
    [InlineData(8, 4)]
    public void Rotary_matches_the_rotate_half_formula_at_absolute_positions(int headDim, int rotaryDim)
    {
        using var scope = NewDisposeScope();
        using var rotary = new RotaryEmbedding(headDim, theta: 500, rotaryDim: rotaryDim);
        var x = Forms.Randn(new torch.Generator(3), 2, 1, 3, headDim);
        long[] starts = [5, 1000];
        var (cos, sin) = rotary.Angles(starts, 3, ScalarType.Float64, CPU);
        var actual = rotary.Rotate(x, cos, sin);

        int half = rotaryDim / 2;
        for (int b = 0; b < 2; b++)
        {
            for (int t = 0; t < 3; t++)
            {
                long position = starts[b] + t;
                var row = x[b, 0, t].data<double>().ToArray();
                var expected = (double[])row.Clone();
                for (int i = 0; i < half; i++)
                {
                    double angle = position * Math.Pow(500, -2.0 * i / rotaryDim);
                    expected[i] = row[i] * Math.Cos(angle) - row[i + half] * Math.Sin(angle);
                    expected[i + half] = row[i + half] * Math.Cos(angle) + row[i] * Math.Sin(angle);
                }
                actual[b, 0, t].data<double>().ToArray().Should().BeEquivalentTo(expected, o => o.Using<double>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-12)).WhenTypeIs<double>());
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]           // grows the table past its first 256 rows
    [InlineData(70_000)]        // beyond the table: computed directly
    public void Managed_angles_equal_cos_and_sin_of_position_times_frequency(long position)
    {
        using var rotary = new RotaryEmbedding(16, theta: 500);
        var cos = new double[8];
        var sin = new double[8];
        rotary.ManagedAngles<double>(position, cos, sin);
        for (int i = 0; i < 8; i++)
        {
            double angle = position * Math.Pow(500, -2.0 * i / 16);
            cos[i].Should().Be(Math.Cos(angle));
            sin[i].Should().Be(Math.Sin(angle));
        }
    }

    [Fact]
    public void Performer_features_are_seeded_and_redrawable()
    {
        using var scope = NewDisposeScope();
        var geometry = new MixerGeometry(2, 8);
        using var a = (PerformerFeatureMap)FeatureMap.Create(LinearFeatureMap.Performer, geometry, featureDim: 12, seed: 5);
        using var b = (PerformerFeatureMap)FeatureMap.Create(LinearFeatureMap.Performer, geometry, featureDim: 12, seed: 5);
        var x = randn(1, 2, 3, 8);
        var first = a.Queries(x);
        first.shape.Should().Equal(1, 2, 3, 12);
        first.equal(b.Queries(x)).all().item<bool>().Should().BeTrue("the same seed draws the same features");
        (first.min().item<float>() > 0).Should().BeTrue("positive random features");

        a.Redraw(6);
        a.Queries(x).equal(first).all().item<bool>().Should().BeFalse("a new seed draws new features");
        a.Redraw(5);
        a.Queries(x).equal(first).all().item<bool>().Should().BeTrue("redrawing the first seed restores them");
    }
}
