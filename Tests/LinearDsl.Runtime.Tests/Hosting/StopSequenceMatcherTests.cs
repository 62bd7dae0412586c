using LinearDsl.Runtime.Hosting;

namespace LinearDsl.Runtime.Tests.Hosting;

public sealed class StopSequenceMatcherTests
{
    [Fact]
    public void A_stop_sequence_split_over_chunks_cuts_the_text_before_it()
    {
        var matcher = new StopSequenceMatcher(["\nUser:"]);
        var released = new List<string> { matcher.Append("Fine.\n"), matcher.Append("Us"), matcher.Append("er: more") };
        released.Should().Equal("Fine.", "", "");
        matcher.Matched.Should().Be("\nUser:");
        matcher.Held.Should().BeEmpty();
        FluentActions.Invoking(() => matcher.Append("x")).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Held_text_is_released_once_it_can_no_longer_become_a_stop_sequence()
    {
        var matcher = new StopSequenceMatcher(["abc", "xyz"]);
        matcher.Append("1 ab").Should().Be("1 ");
        matcher.Held.Should().Be("ab");
        matcher.Append("x").Should().Be("ab", "\"abx\" cannot start \"abc\", but its \"x\" can start \"xyz\"");
        matcher.Held.Should().Be("x");
        matcher.Append("y").Should().BeEmpty();
        matcher.Flush().Should().Be("xy");
        matcher.Matched.Should().BeNull();
    }

    [Fact]
    public void The_earliest_stop_sequence_wins()
    {
        var matcher = new StopSequenceMatcher(["world", "lo w"]);
        matcher.Append("hello world").Should().Be("hel");
        matcher.Matched.Should().Be("lo w");
    }

    [Fact]
    public void Without_stop_sequences_everything_passes_at_once_and_empty_ones_are_refused()
    {
        new StopSequenceMatcher([]).Append("anything").Should().Be("anything");
        FluentActions.Invoking(() => new StopSequenceMatcher(["ok", ""])).Should().Throw<ArgumentException>().WithMessage("A stop sequence is empty*");
    }
}
