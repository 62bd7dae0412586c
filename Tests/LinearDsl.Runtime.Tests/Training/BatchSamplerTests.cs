using LinearDsl.Runtime.Data;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class BatchSamplerTests
{
    [Fact]
    public void Each_epoch_visits_every_index_once_in_a_seed_dependent_order()
    {
        var sampler = new BatchSampler(count: 10, batchSize: 5, seed: 3);
        var epoch0 = sampler.Next().Concat(sampler.Next()).ToArray();
        var epoch1 = sampler.Next().Concat(sampler.Next()).ToArray();
        epoch0.Order().Should().Equal(Enumerable.Range(0, 10));
        epoch1.Order().Should().Equal(Enumerable.Range(0, 10));
        epoch0.Should().NotEqual(epoch1);
        epoch0.Should().NotEqual(Enumerable.Range(0, 10));
        sampler.Epoch.Should().Be(1);

        var other = new BatchSampler(count: 10, batchSize: 5, seed: 4);
        other.Next().Concat(other.Next()).Should().NotEqual(epoch0);
        var same = new BatchSampler(count: 10, batchSize: 5, seed: 3);
        same.Next().Concat(same.Next()).Should().Equal(epoch0);
    }

    [Fact]
    public void A_batch_that_crosses_an_epoch_boundary_continues_with_the_next_epoch()
    {
        var sampler = new BatchSampler(count: 3, batchSize: 2, seed: 1);
        var draws = Enumerable.Range(0, 3).SelectMany(_ => sampler.Next()).ToArray();
        draws.Take(3).Order().Should().Equal(0, 1, 2);
        draws.Skip(3).Order().Should().Equal(0, 1, 2);
        sampler.State.Should().Be(new BatchSamplerState(1, 1, 3));
    }

    [Fact]
    public void Restoring_a_saved_state_continues_the_same_batches()
    {
        var sampler = new BatchSampler(count: 7, batchSize: 3, seed: 9);
        for (int i = 0; i < 4; i++) sampler.Next();
        var saved = sampler.State;
        var expected = Enumerable.Range(0, 5).Select(_ => sampler.Next()).ToArray();

        var restored = new BatchSampler(count: 7, batchSize: 3, seed: 9);
        restored.Restore(saved);
        Enumerable.Range(0, 5).Select(_ => restored.Next()).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());

        var wrongSeed = () => new BatchSampler(7, 3, seed: 8).Restore(saved);
        wrongSeed.Should().Throw<ArgumentException>().WithMessage("*seed 9*");
    }
}
