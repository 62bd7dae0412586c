namespace LinearDsl.Runtime.Data;

/// <summary>
/// The seed of one row's random draws (a mask, a span corruption) from the run's seed, a stream (training or
/// validation) and the row's index, so a row's draws never depend on which batch or model reads it.
/// </summary>
internal static class DataSeeds
{
    /// <summary>Salt of the training rows' draws.</summary>
    public const ulong Training = 0x7472_6169_6E00_0001UL;

    /// <summary>Salt of the validation rows' draws.</summary>
    public const ulong Validation = 0x7661_6C69_6400_0002UL;

    /// <summary>A seed for row <paramref name="index"/> of <paramref name="stream"/>.</summary>
    public static ulong Of(ulong seed, ulong stream, long index)
    {
        var mix = new SplitMix64(seed ^ stream);
        ulong first = mix.Next();
        return new SplitMix64(first ^ (ulong)index * 0xD1B5_4A32_D192_ED03UL).Next();
    }

    /// <summary>A uniform double in [0, 1) (53 random bits).</summary>
    public static double NextUnit(ref SplitMix64 random) => (random.Next() >> 11) * (1.0 / (1UL << 53));
}
