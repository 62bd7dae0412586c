namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// One row's candidate tree while it is drafted: nodes (parent, token, the distribution the token was drawn from),
/// and per slot (0 = the committed position, i + 1 = after node i) the draft distribution once it is known and what
/// is left of it after the children drawn so far.
/// </summary>
/// <remarks>
/// Siblings are drawn WITHOUT replacement: greedy takes the most likely remaining token (top-k), sampling draws from
/// the remaining mass renormalised and records that renormalised distribution as the child's q, which is what exact
/// recursive rejection sampling needs (<see cref="TreeAcceptance"/>). Which slot gets the next child is decided only
/// from tokens already drawn, never from the child about to be drawn, so the shape never biases a draw.
/// </remarks>
internal sealed class TreeDraft
{
    readonly List<int> _parents = [];
    readonly List<long> _tokens = [];
    readonly List<double[]> _drawnFrom = [];
    readonly List<double> _pathProbability = [1.0];
    readonly List<int> _slotDepth = [0];
    readonly List<double[]?> _remaining = [null];
    readonly List<int> _childCount = [0];
    readonly List<double> _best = [0];

    public IReadOnlyList<int> Parents => _parents;

    public IReadOnlyList<long> Tokens => _tokens;

    public IReadOnlyList<double[]> DrawnFrom => _drawnFrom;

    public int Count => _parents.Count;

    /// <summary>Nodes whose draft distribution is known (the first <see cref="Evaluated"/> slots after slot 0).</summary>
    public int Evaluated { get; private set; }

    /// <summary>Depth of slot s (0 for the committed position, d for a node at depth d, roots at 1).</summary>
    public int SlotDepth(int slot) => _slotDepth[slot];

    /// <summary>Children drawn at slot s so far.</summary>
    public int Children(int slot) => _childCount[slot];

    /// <summary>Whether slot s's draft distribution is known.</summary>
    public bool IsKnown(int slot) => _remaining[slot] is not null;

    /// <summary>Product of the draft probabilities along the path to slot s (1 at slot 0).</summary>
    public double PathProbability(int slot) => _pathProbability[slot];

    /// <summary>The largest probability still undrawn at slot s (0 when unknown or exhausted).</summary>
    public double BestRemaining(int slot) => _best[slot];

    /// <summary>Sets the draft distribution of slot s (once).</summary>
    public void SetDistribution(int slot, double[] q)
    {
        if (_remaining[slot] is not null) throw new InvalidOperationException($"Slot {slot} already has its draft distribution.");
        _remaining[slot] = (double[])q.Clone();
        _best[slot] = q.Max();
        if (slot > 0) Evaluated = Math.Max(Evaluated, slot);
    }

    /// <summary>Draws one more child at slot s (greedy: the most likely remaining token); returns false when nothing is left.</summary>
    public bool AddChild(int slot, bool greedy, Random random)
    {
        var remaining = _remaining[slot] ?? throw new InvalidOperationException($"Slot {slot} has no draft distribution yet.");
        double total = remaining.Sum();
        if (!(total > 0)) return false;
        int token = greedy ? TokenDistribution.ArgMax(remaining) : TokenDistribution.Sample(remaining, random);
        var q = remaining.Select(v => v / total).ToArray();
        double probability = remaining[token];
        remaining[token] = 0;
        _best[slot] = remaining.Max();
        _parents.Add(slot - 1);
        _tokens.Add(token);
        _drawnFrom.Add(q);
        _pathProbability.Add(_pathProbability[slot] * probability);
        _slotDepth.Add(_slotDepth[slot] + 1);
        _remaining.Add(null);
        _childCount.Add(0);
        _best.Add(0);
        _childCount[slot]++;
        return true;
    }
}
