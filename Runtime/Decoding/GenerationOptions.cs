namespace LinearDsl.Runtime.Decoding;

/// <summary>What to generate: how many tokens, when to stop, how to sample.</summary>
public sealed record GenerationOptions
{
    /// <summary>New tokens per row at most. Default 128.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>A token that ends a row (it is emitted, then the row stops). Default none.</summary>
    public long? EndOfTextToken { get; init; }

    /// <summary>
    /// Token sequences that end a row: once its generated tokens end with one of them, the row stops
    /// (<see cref="FinishReason.Stopped"/>) with the sequence emitted, and nothing after it is generated or fed to the
    /// model, so the state ends exactly there (a conversation cache continues it). Default none.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<long>> StopTokenSequences { get; init; } = [];

    /// <summary>Sampling of every token. Default: temperature 1, no top-k, no top-p.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Seed of the random streams (row b uses its own stream derived from it). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be at least 0.");
        ArgumentNullException.ThrowIfNull(Sampling, nameof(Sampling));
        ArgumentNullException.ThrowIfNull(StopTokenSequences, nameof(StopTokenSequences));
        if (StopTokenSequences.Any(sequence => sequence is null || sequence.Count == 0))
            throw new ArgumentException("A stop token sequence is empty; give at least one token per sequence.", nameof(StopTokenSequences));
        Sampling.Validate();
    }
}

/// <summary>How many tokens the draft proposes per round.</summary>
public sealed record SpeculationOptions
{
    /// <summary>Draft tokens per round (m), or the starting value when adaptive. Default 4.</summary>
    public int DraftTokens { get; init; } = 4;

    /// <summary>Grow m by one after a fully accepted round, shrink it to (accepted + 1) after a rejection. Default off.</summary>
    public bool Adaptive { get; init; }

    /// <summary>Smallest m when adaptive. Default 1.</summary>
    public int MinDraftTokens { get; init; } = 1;

    /// <summary>Largest m when adaptive. Default 8.</summary>
    public int MaxDraftTokens { get; init; } = 8;

    /// <summary>What proposes the candidates and in which form. Default <see cref="SpeculationMode.Chain"/>.</summary>
    public SpeculationMode Mode { get; init; } = SpeculationMode.Chain;

    /// <summary>
    /// Static tree shape: children per node at each depth (the first entry is the number of roots), the draft's top-k
    /// (greedy) or k draws without replacement (sampling) at each step. Used by the tree modes unless
    /// <see cref="TreeNodeBudget"/> is set. Default [2, 2, 1, 1] (14 nodes).
    /// </summary>
    public IReadOnlyList<int> TreeBranching { get; init; } = DefaultTreeBranching;

    // One shared read-only default, so that options built with the defaults compare equal (records compare lists by reference).
    static readonly IReadOnlyList<int> DefaultTreeBranching = Array.AsReadOnly([2, 2, 1, 1]);

    /// <summary>Budgeted dynamic tree: at most this many nodes, grown best first by draft path probability; null uses <see cref="TreeBranching"/>. Default null.</summary>
    public int? TreeNodeBudget { get; init; }

    /// <summary>Deepest node of a dynamic tree. Default 8.</summary>
    public int TreeMaxDepth { get; init; } = 8;

    /// <summary>How tree candidates are accepted. Default <see cref="TreeAcceptanceRule.Exact"/>.</summary>
    public TreeAcceptanceRule TreeAcceptance { get; init; } = TreeAcceptanceRule.Exact;

    /// <summary>Most nodes a candidate tree may hold (its verification grows with the nodes).</summary>
    public const int MaxTreeNodes = 256;

    /// <summary>Throws when a setting cannot work.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Mode must be Chain, Tree, Heads or HeadsAndDraft.");
        if (!Enum.IsDefined(TreeAcceptance)) throw new ArgumentOutOfRangeException(nameof(TreeAcceptance), TreeAcceptance, "TreeAcceptance must be Exact or TypicalInexact.");
        ArgumentNullException.ThrowIfNull(TreeBranching, nameof(TreeBranching));
        if (TreeBranching.Count == 0 || TreeBranching.Any(b => b < 1))
            throw new ArgumentOutOfRangeException(nameof(TreeBranching), string.Join(",", TreeBranching), "TreeBranching needs at least one depth and at least one child per node at each depth.");
        if (new StaticTreeShape(TreeBranching).MaxNodes > MaxTreeNodes)
            throw new ArgumentOutOfRangeException(nameof(TreeBranching), string.Join(",", TreeBranching), $"TreeBranching makes more than {MaxTreeNodes} nodes; use fewer depths or children.");
        if (TreeNodeBudget is int budget && (budget < 1 || budget > MaxTreeNodes))
            throw new ArgumentOutOfRangeException(nameof(TreeNodeBudget), budget, $"TreeNodeBudget must lie in [1, {MaxTreeNodes}].");
        if (TreeMaxDepth < 1 || TreeMaxDepth > MaxTreeNodes)
            throw new ArgumentOutOfRangeException(nameof(TreeMaxDepth), TreeMaxDepth, $"TreeMaxDepth must lie in [1, {MaxTreeNodes}].");
        if (MinDraftTokens < 1) throw new ArgumentOutOfRangeException(nameof(MinDraftTokens), MinDraftTokens, "MinDraftTokens must be at least 1.");
        if (MaxDraftTokens < MinDraftTokens)
            throw new ArgumentOutOfRangeException(nameof(MaxDraftTokens), MaxDraftTokens, $"MaxDraftTokens must be at least MinDraftTokens ({MinDraftTokens}).");
        if (DraftTokens < MinDraftTokens || DraftTokens > MaxDraftTokens)
            throw new ArgumentOutOfRangeException(nameof(DraftTokens), DraftTokens, $"DraftTokens must lie in [{MinDraftTokens}, {MaxDraftTokens}].");
    }
}

/// <summary>What proposes the candidates of speculative decoding (docs/speculative.md, "Modes").</summary>
public enum SpeculationMode
{
    /// <summary>The draft model proposes one chain of <see cref="SpeculationOptions.DraftTokens"/> tokens.</summary>
    Chain,

    /// <summary>The draft model proposes a tree (<see cref="SpeculationOptions.TreeBranching"/> or <see cref="SpeculationOptions.TreeNodeBudget"/>).</summary>
    Tree,

    /// <summary>The target's Medusa heads propose a tree from its own last hidden state; no draft model.</summary>
    Heads,

    /// <summary>The heads propose the first tokens and the draft model continues each of their paths.</summary>
    HeadsAndDraft,
}

/// <summary>How a candidate tree is accepted.</summary>
public enum TreeAcceptanceRule
{
    /// <summary>Exact: greedy longest argmax path, or recursive rejection sampling over siblings; the output follows the target.</summary>
    Exact,

    /// <summary>Medusa's typical acceptance: NOT exact (the output favours likely tokens); only when asked for.</summary>
    TypicalInexact,
}

/// <summary>Why a row, or a text generation, stopped.</summary>
public enum FinishReason
{
    /// <summary>It generated MaxNewTokens tokens.</summary>
    Length,

    /// <summary>It generated the end-of-text token.</summary>
    EndOfText,

    /// <summary>It was stopped: by a caller (<see cref="DecodingSession.Stop"/>), by one of <see cref="GenerationOptions.StopTokenSequences"/>, or in text generation by a stop sequence.</summary>
    Stopped,
}

/// <summary>New tokens of one row from one decoding round.</summary>
/// <param name="Row">The batch row.</param>
/// <param name="Tokens">Tokens in order (may be empty when the row only finished).</param>
/// <param name="Finished">Why the row stopped, if it stopped in this round.</param>
public sealed record GenerationUpdate(int Row, IReadOnlyList<long> Tokens, FinishReason? Finished);
