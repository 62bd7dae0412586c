namespace LinearDsl.Runtime.Data;

/// <summary>
/// Draws batches of sequence indices, deterministically from a seed: each epoch visits every index once, in an order
/// given by a Fisher-Yates shuffle from a SplitMix64 generator seeded with (seed, epoch). A batch that runs past the
/// end of an epoch continues with the next epoch's order, so batches always have <see cref="BatchSize"/> indices (an
/// index may repeat within a batch only when the batch is larger than the set). Because an epoch's order depends only
/// on the seed and the epoch number, <see cref="State"/> (seed, epoch, position) is the whole state of the sampler.
/// </summary>
public sealed class BatchSampler
{
    int[] _order;

    /// <summary>Creates a sampler over indices 0..<paramref name="count"/>-1 at the start of epoch 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count or batch size is not positive.</exception>
    public BatchSampler(int count, int batchSize, ulong seed)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A sampler needs at least one sequence to draw from.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        Count = count;
        BatchSize = batchSize;
        Seed = seed;
        _order = OrderOf(0);
    }

    /// <summary>Number of indices drawn from.</summary>
    public int Count { get; }

    /// <summary>Indices per batch.</summary>
    public int BatchSize { get; }

    /// <summary>The seed.</summary>
    public ulong Seed { get; }

    /// <summary>The current epoch (0 first).</summary>
    public long Epoch { get; private set; }

    /// <summary>Indices of the current epoch handed out so far.</summary>
    public int Position { get; private set; }

    /// <summary>The state to save with a checkpoint.</summary>
    public BatchSamplerState State => new(Seed, Epoch, Position);

    /// <summary>The next batch of <see cref="BatchSize"/> indices.</summary>
    public int[] Next()
    {
        var batch = new int[BatchSize];
        for (int i = 0; i < batch.Length; i++)
        {
            if (Position == Count)
            {
                Epoch++;
                Position = 0;
                _order = OrderOf(Epoch);
            }
            batch[i] = _order[Position++];
        }
        return batch;
    }

    /// <summary>Moves the sampler to <paramref name="state"/>, saved from a sampler with the same seed and count.</summary>
    /// <exception cref="ArgumentException">The state belongs to another seed or does not fit the count.</exception>
    public void Restore(BatchSamplerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Seed != Seed)
            throw new ArgumentException($"The sampler state was saved with seed {state.Seed}, but this sampler's seed is {Seed}.", nameof(state));
        if (state.Epoch < 0 || state.Position < 0 || state.Position > Count)
            throw new ArgumentException($"The sampler state (epoch {state.Epoch}, position {state.Position}) does not fit a set of {Count} sequences.", nameof(state));
        Epoch = state.Epoch;
        Position = state.Position;
        _order = OrderOf(Epoch);
    }

    int[] OrderOf(long epoch)
    {
        // Decorrelate (seed, epoch) pairs through one SplitMix64 output before seeding the shuffle.
        var mixer = new SplitMix64(Seed ^ (0xD1B54A32D192ED03UL * (ulong)(epoch + 1)));
        return new SplitMix64(mixer.Next()).Permutation(Count);
    }
}
