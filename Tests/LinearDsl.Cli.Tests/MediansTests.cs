namespace LinearDsl.Cli.Tests;

public sealed class MediansTests
{
    [Fact]
    public void The_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones()
    {
        Medians.Of([5.0, 1.0, 3.0]).Should().Be(3.0);
        Medians.Of([4.0, 1.0, 3.0, 10.0]).Should().Be(3.5);
        Medians.Of([]).Should().Be(double.NaN);
    }
}
