namespace LinearDsl.Runtime.Data;

/// <summary>One row masked for the masked-language-model objective.</summary>
/// <param name="Inputs">The row the encoder reads: chosen tokens replaced by the mask token, a random token, or kept.</param>
/// <param name="Labels">The original token at each chosen position and <see cref="TokenMasking.Ignore"/> elsewhere.</param>
public sealed record MaskedTokens(long[] Inputs, long[] Labels)
{
    /// <summary>Number of chosen positions (where the loss is computed).</summary>
    public int Chosen => Labels.Count(l => l != TokenMasking.Ignore);
}

/// <summary>BERT-style masking of one row, deterministic given its seed (see <see cref="MaskingOptions"/>).</summary>
public static class TokenMasking
{
    /// <summary>The label of a position the loss skips (cross-entropy's ignore index).</summary>
    public const long Ignore = -100;

    /// <summary>The number of positions chosen in a row of <paramref name="length"/> tokens: the rate's share, rounded, and at least one.</summary>
    public static int ChosenCount(int length, MaskingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Math.Clamp((int)Math.Round(length * options.Rate), 1, length);
    }

    /// <summary>
    /// Masks <paramref name="tokens"/>: chooses <see cref="ChosenCount"/> distinct positions, and replaces each with
    /// <paramref name="maskTokenId"/> or a random token below <paramref name="randomVocab"/> or keeps it, as the
    /// options' shares say. The same seed always gives the same result.
    /// </summary>
    public static MaskedTokens Mask(ReadOnlySpan<long> tokens, int maskTokenId, int randomVocab, ulong seed, MaskingOptions? options = null)
    {
        options ??= new MaskingOptions();
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(problems[0], nameof(options));
        if (tokens.Length == 0) throw new ArgumentException("There are no tokens to mask.", nameof(tokens));
        if (randomVocab <= 0) throw new ArgumentOutOfRangeException(nameof(randomVocab), randomVocab, "Random replacements need at least one token id.");
        var random = new SplitMix64(seed);
        int length = tokens.Length, chosen = ChosenCount(length, options);
        var inputs = tokens.ToArray();
        var labels = new long[length];
        Array.Fill(labels, Ignore);
        // A partial Fisher-Yates shuffle: the first `chosen` entries are a uniform choice of distinct positions.
        var order = new int[length];
        for (int i = 0; i < length; i++) order[i] = i;
        for (int i = 0; i < chosen; i++)
        {
            int j = i + random.NextBelow(length - i);
            (order[i], order[j]) = (order[j], order[i]);
            int position = order[i];
            labels[position] = tokens[position];
            double draw = DataSeeds.NextUnit(ref random);
            if (draw < options.MaskShare) inputs[position] = maskTokenId;
            else if (draw < options.MaskShare + options.RandomShare) inputs[position] = random.NextBelow(randomVocab);
        }
        return new MaskedTokens(inputs, labels);
    }
}
