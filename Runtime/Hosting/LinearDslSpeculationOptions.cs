using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Speculative decoding settings (docs/method.md, "Exact speculative decoding"); see <see cref="SpeculationOptions"/>.</summary>
public sealed class LinearDslSpeculationOptions
{
    /// <summary>Largest draft length the validator accepts: longer drafts only waste draft calls.</summary>
    public const int MaxSaneDraftTokens = 64;

    /// <summary>
    /// Whether to decode speculatively. Null (default): exactly when a draft model is configured (or, in mode Heads,
    /// always). True: the mode's proposer is required (validation fails without a draft in modes Chain, Tree and
    /// HeadsAndDraft). False: plain decoding of the target even when a draft is configured.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>Draft tokens per round (m), or the starting value when adaptive. Default 4.</summary>
    public int DraftTokens { get; set; } = 4;

    /// <summary>Adapt m between rounds within [<see cref="MinDraftTokens"/>, <see cref="MaxDraftTokens"/>]. Default off.</summary>
    public bool Adaptive { get; set; }

    /// <summary>Smallest m when adaptive. Default 1.</summary>
    public int MinDraftTokens { get; set; } = 1;

    /// <summary>Largest m when adaptive. Default 8.</summary>
    public int MaxDraftTokens { get; set; } = 8;

    /// <summary>What proposes candidates: Chain (default, the draft's chain), Tree (the draft's tree), Heads (the target's Medusa heads, no draft) or HeadsAndDraft.</summary>
    public SpeculationMode Mode { get; set; } = SpeculationMode.Chain;

    /// <summary>Static tree shape of the tree modes, children per node at each depth, e.g. [2, 2, 1, 1] (the default when null).</summary>
    public int[]? TreeBranching { get; set; }

    /// <summary>Budgeted dynamic tree of at most this many nodes instead of <see cref="TreeBranching"/>. Default null.</summary>
    public int? TreeNodeBudget { get; set; }

    /// <summary>Deepest node of a dynamic tree. Default 8.</summary>
    public int TreeMaxDepth { get; set; } = 8;

    /// <summary>Tree acceptance: Exact (default) or TypicalInexact (Medusa's typical acceptance; the output no longer follows the target).</summary>
    public TreeAcceptanceRule TreeAcceptance { get; set; } = TreeAcceptanceRule.Exact;

    /// <summary>The decoder's settings.</summary>
    public SpeculationOptions ToSpeculationOptions()
    {
        var options = new SpeculationOptions
        {
            DraftTokens = DraftTokens,
            Adaptive = Adaptive,
            MinDraftTokens = MinDraftTokens,
            MaxDraftTokens = MaxDraftTokens,
            Mode = Mode,
            TreeNodeBudget = TreeNodeBudget,
            TreeMaxDepth = TreeMaxDepth,
            TreeAcceptance = TreeAcceptance,
        };
        return TreeBranching is null ? options : options with { TreeBranching = TreeBranching.ToArray() };
    }
}
