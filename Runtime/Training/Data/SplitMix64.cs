namespace LinearDsl.Runtime.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose output is fixed by its definition, unlike
/// <see cref="Random"/>, whose seeded sequence .NET does not promise to keep across versions.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, bound) without modulo bias (Lemire's multiply-shift with rejection).</summary>
    public int NextBelow(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be positive.");
        ulong range = (ulong)bound;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong product = Math.BigMul(Next(), range, out ulong low);
            if (low >= threshold) return (int)product;
        }
    }

    /// <summary>A Fisher-Yates permutation of 0..count-1.</summary>
    public int[] Permutation(int count)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = NextBelow(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
