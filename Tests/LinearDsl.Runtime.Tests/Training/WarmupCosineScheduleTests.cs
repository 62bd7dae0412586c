using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class WarmupCosineScheduleTests
{
    [Fact]
    public void Warmup_rises_linearly_to_the_peak_then_the_cosine_falls_to_the_minimum_at_the_last_step()
    {
        var schedule = new WarmupCosineSchedule(peakRate: 1.0, totalSteps: 14, warmupSteps: 4, minRate: 0.1);
        schedule.RateAt(0).Should().Be(0.25);
        schedule.RateAt(1).Should().Be(0.5);
        schedule.RateAt(2).Should().Be(0.75);
        schedule.RateAt(3).Should().Be(1.0);
        // Decay over steps 4..13: progress (s - 4) / 9.
        schedule.RateAt(4).Should().Be(1.0);
        schedule.RateAt(7).Should().BeApproximately(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI / 3)), 1e-15);
        schedule.RateAt(7).Should().BeApproximately(0.775, 1e-15);
        schedule.RateAt(13).Should().BeApproximately(0.1, 1e-15);
        schedule.RateAt(14).Should().Be(0.1);
        schedule.RateAt(1000).Should().Be(0.1);
    }

    [Fact]
    public void The_midpoint_of_the_decay_is_halfway_between_peak_and_minimum()
    {
        var schedule = new WarmupCosineSchedule(peakRate: 3e-4, totalSteps: 101, warmupSteps: 0, minRate: 1e-4);
        schedule.RateAt(0).Should().Be(3e-4);
        schedule.RateAt(50).Should().BeApproximately(2e-4, 1e-18);
        schedule.RateAt(100).Should().BeApproximately(1e-4, 1e-18);
        for (int s = 1; s <= 100; s++) schedule.RateAt(s).Should().BeLessThan(schedule.RateAt(s - 1));
    }

    [Fact]
    public void A_schedule_that_is_all_warmup_ends_at_the_peak()
    {
        var schedule = new WarmupCosineSchedule(peakRate: 2, totalSteps: 4, warmupSteps: 4);
        Enumerable.Range(0, 4).Select(s => schedule.RateAt(s)).Should().Equal(0.5, 1.0, 1.5, 2.0);
    }

    [Theory]
    [InlineData(0.0, 10, 0, 0.0)]
    [InlineData(1.0, 0, 0, 0.0)]
    [InlineData(1.0, 10, 11, 0.0)]
    [InlineData(1.0, 10, -1, 0.0)]
    [InlineData(1.0, 10, 0, 2.0)]
    public void Invalid_settings_are_refused(double peak, int total, int warmup, double min)
    {
        var create = () => new WarmupCosineSchedule(peak, total, warmup, min);
        create.Should().Throw<ArgumentOutOfRangeException>();
    }
}
