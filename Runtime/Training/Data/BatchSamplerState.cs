namespace LinearDsl.Runtime.Data;

/// <summary>Where a <see cref="BatchSampler"/> stands: everything needed to continue its sequence of batches exactly.</summary>
/// <param name="Seed">The sampler's seed.</param>
/// <param name="Epoch">The current pass over the sequences (0 first).</param>
/// <param name="Position">How many sequences of the current epoch's order have been handed out.</param>
public sealed record BatchSamplerState(ulong Seed, long Epoch, int Position);
