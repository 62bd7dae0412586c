using LinearDsl.Runtime.Data;

namespace LinearDsl.Study.Tests.Encoders;

/// <summary>T5-style span corruption: source and target give the text back, fixed lengths per row length, determinism by seed.</summary>
public sealed class SpanCorruptionTests
{
    static readonly SpanCorruptionOptions Options = new() { FirstSentinel = 257 };

    [Theory]
    [InlineData(32)]
    [InlineData(128)]
    [InlineData(255)]
    public void Source_and_target_reconstruct_the_text_for_every_seed(int length)
    {
        var (sourceLength, targetLength) = SpanCorruption.Lengths(length, Options);
        var (noise, spans) = SpanCorruption.Counts(length, Options);
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var text = Enumerable.Range(0, length).Select(_ => (long)random.Next(256)).ToArray();
            var corrupted = SpanCorruption.Corrupt(text, (ulong)seed, Options);
            SpanCorruption.Restore(corrupted.Source, corrupted.Target, Options.FirstSentinel).Should().Equal(text);
            corrupted.Source.Length.Should().Be(sourceLength);
            corrupted.Target.Length.Should().Be(targetLength);
            corrupted.Spans.Should().HaveCount(spans).And.OnlyContain(s => s.Length > 0);
            corrupted.Spans.Sum(s => s.Length).Should().Be(noise);
            corrupted.Target[^1].Should().Be(Options.FirstSentinel + spans, "the target closes with the next sentinel");
            corrupted.Source.Count(t => t >= Options.FirstSentinel).Should().Be(spans);
        }
    }

    [Fact]
    public void The_counts_follow_the_noise_density_and_mean_span_length()
    {
        SpanCorruption.Counts(128, Options).Should().Be((19, 6));
        SpanCorruption.Lengths(128, Options).Should().Be((115, 26));
    }

    [Fact]
    public void The_same_seed_cuts_the_same_spans_and_another_seed_others()
    {
        var text = Enumerable.Range(0, 128).Select(i => (long)(i % 200)).ToArray();
        var first = SpanCorruption.Corrupt(text, 9, Options);
        SpanCorruption.Corrupt(text, 9, Options).Source.Should().Equal(first.Source);
        SpanCorruption.Corrupt(text, 10, Options).Source.Should().NotEqual(first.Source);
    }

    [Fact]
    public void Text_that_uses_a_sentinel_id_is_refused()
    {
        var act = () => SpanCorruption.Corrupt([1, 2, 300, 4], 1, Options);
        act.Should().Throw<ArgumentException>().WithMessage("*token 300*first sentinel 257*");
    }

    [Fact]
    public void Reading_spans_takes_each_sentinels_tokens_up_to_the_next()
    {
        var spans = SpanCorruption.ReadSpans([257, 1, 2, 258, 3, 259], 257);
        spans[257].Should().Equal(1L, 2L);
        spans[258].Should().Equal(3L);
        spans[259].Should().BeEmpty();
    }
}
