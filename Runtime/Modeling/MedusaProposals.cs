namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The top-k proposals of every Medusa head for each row (<see cref="CausalLanguageModel.ProposeTopK"/>): head i
/// proposes the token i + 2 positions after the hidden state it read, most likely first.
/// </summary>
public sealed class MedusaProposals
{
    readonly long[] _tokens;
    readonly double[] _probabilities;

    internal MedusaProposals(int heads, int rows, int k, long[] tokens, double[] probabilities)
    {
        Heads = heads;
        Rows = rows;
        K = k;
        _tokens = tokens;
        _probabilities = probabilities;
    }

    /// <summary>Number of heads.</summary>
    public int Heads { get; }

    /// <summary>Number of rows (the batch).</summary>
    public int Rows { get; }

    /// <summary>Proposals per head and row.</summary>
    public int K { get; }

    /// <summary>The k token ids of <paramref name="head"/> for <paramref name="row"/>, most likely first.</summary>
    public long[] Tokens(int head, int row) => _tokens.AsSpan(Offset(head, row), K).ToArray();

    /// <summary>Their probabilities under the head, in the same order (non-increasing).</summary>
    public double[] Probabilities(int head, int row) => _probabilities.AsSpan(Offset(head, row), K).ToArray();

    /// <summary>Per head, the k token ids for <paramref name="row"/>.</summary>
    public IReadOnlyList<long[]> ForRow(int row) => Enumerable.Range(0, Heads).Select(h => Tokens(h, row)).ToArray();

    int Offset(int head, int row)
    {
        if (head < 0 || head >= Heads) throw new ArgumentOutOfRangeException(nameof(head), head, $"There are heads 0..{Heads - 1}.");
        if (row < 0 || row >= Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"There are rows 0..{Rows - 1}.");
        return (head * Rows + row) * K;
    }
}
