namespace LinearDsl.Runtime.Data;

/// <summary>Packs a token stream into training sequences and splits them into training and validation sets.</summary>
public static class SequencePacker
{
    /// <summary>
    /// Cuts <paramref name="corpus"/> into sequences of <paramref name="contextLength"/> + 1 ids (sequence i starts at
    /// token i x contextLength; a tail too short for a whole sequence is dropped) and holds out the LAST
    /// ceil(count x <paramref name="validationFraction"/>) sequences, in corpus order, for validation. A tail split is
    /// deterministic without a seed and keeps the validation text disjoint from the training text (the two sets
    /// touch at a single boundary token, which the last training sequence has as its final target and the first
    /// validation sequence as its first input).
    /// </summary>
    /// <param name="corpus">The tokenized text.</param>
    /// <param name="contextLength">Tokens a model reads per sequence (its training context).</param>
    /// <param name="validationFraction">Fraction of sequences held out, in [0, 1); when positive at least one sequence is held out.</param>
    /// <exception cref="ArgumentOutOfRangeException">The context length or fraction is out of range.</exception>
    /// <exception cref="InvalidDataException">The corpus is too short for one training sequence (and one validation sequence, if asked).</exception>
    public static CorpusSplit Pack(TokenCorpus corpus, int contextLength, double validationFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (contextLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "The context length must be at least one token.");
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        int count = (corpus.Count - 1) / contextLength;
        int validation = validationFraction > 0 ? Math.Max(1, (int)Math.Ceiling(count * validationFraction)) : 0;
        int needed = validation + 1;
        if (count < needed)
        {
            long neededTokens = (long)needed * contextLength + 1;
            string split = validation > 0 ? $"one training and {validation} validation sequence(s)" : "one training sequence";
            throw new InvalidDataException(
                $"The {corpus.Source} is too short for a context length of {contextLength}: it has {corpus.Count} tokens, " +
                $"{split} of {contextLength + 1} tokens need at least {neededTokens}. Use a longer text or a shorter context.");
        }
        var tokens = corpus.Array;
        int trainCount = count - validation;
        return new CorpusSplit(
            new PackedSequences(tokens, 0, trainCount, contextLength),
            new PackedSequences(tokens, trainCount * contextLength, validation, contextLength),
            corpus.VocabSize, corpus.Source);
    }

    /// <summary>Reads, tokenizes, packs and splits a UTF-8 text file in one call (see <see cref="Pack"/>).</summary>
    public static CorpusSplit Load(string path, Tokenization.ITextTokenizer tokenizer, int contextLength, double validationFraction = 0.1)
        => Pack(TokenCorpus.FromFile(path, tokenizer), contextLength, validationFraction);
}
