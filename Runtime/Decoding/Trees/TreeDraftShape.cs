namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// How a draft tree grows between draft calls: <see cref="Grow"/> adds every child that the known draft
/// distributions allow and reports whether the tree is complete; otherwise the caller evaluates the new nodes (one
/// draft call over the whole tree) and grows again. The last nodes added are leaves the draft never evaluates.
/// </summary>
internal abstract class TreeDraftShape
{
    /// <summary>Adds children; true when the tree is complete (no further draft call is needed).</summary>
    public abstract bool Grow(TreeDraft tree, bool greedy, Random random);

    /// <summary>Largest number of nodes a tree of this shape can hold.</summary>
    public abstract int MaxNodes { get; }

    /// <summary>The shape the options ask for: a budgeted dynamic tree when <see cref="SpeculationOptions.TreeNodeBudget"/> is set, else the static branching.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="maxDepth">Deepest slot anything can evaluate (the number of heads when heads alone propose).</param>
    public static TreeDraftShape From(SpeculationOptions options, int maxDepth = int.MaxValue) => options.TreeNodeBudget is int budget
        ? new DynamicTreeShape(budget, Math.Min(options.TreeMaxDepth, maxDepth))
        : new StaticTreeShape(options.TreeBranching.Take(Math.Max(1, maxDepth)).ToArray());
}

/// <summary>A fixed shape: every node at depth d (the committed position is depth 0) gets branching[d] children (top-k per step).</summary>
internal sealed class StaticTreeShape(IReadOnlyList<int> branching) : TreeDraftShape
{
    public override int MaxNodes
    {
        get
        {
            long total = 0, level = 1;
            foreach (int b in branching)
            {
                level *= b;
                total += level;
            }
            return (int)Math.Min(total, int.MaxValue);
        }
    }

    public override bool Grow(TreeDraft tree, bool greedy, Random random)
    {
        // Slots are visited in order and new nodes come after them, so one pass sees each known, childless slot once.
        int slots = tree.Count + 1;
        for (int slot = 0; slot < slots; slot++)
        {
            int depth = tree.SlotDepth(slot);
            if (depth >= branching.Count || !tree.IsKnown(slot) || tree.Children(slot) > 0) continue;
            for (int c = 0; c < branching[depth] && tree.AddChild(slot, greedy, random); c++) { }
        }
        for (int slot = 0; slot <= tree.Count; slot++)
            if (tree.SlotDepth(slot) < branching.Count && !tree.IsKnown(slot)) return false;
        return true;
    }
}

/// <summary>
/// A budgeted dynamic shape (best first): the next child goes to the slot with the highest draft path probability
/// times its best undrawn probability, until the budget is spent. A slot the draft has not evaluated yet counts with
/// its path probability (an upper bound); when it wins, the tree waits for the next draft call, so the result is the
/// same best-first tree as with every distribution known, at one draft call per wave.
/// </summary>
internal sealed class DynamicTreeShape(int budget, int maxDepth) : TreeDraftShape
{
    public override int MaxNodes => budget;

    public override bool Grow(TreeDraft tree, bool greedy, Random random)
    {
        while (tree.Count < budget)
        {
            int best = -1;
            double bestPriority = -1;
            bool bestKnown = false;
            for (int slot = 0; slot <= tree.Count; slot++)
            {
                if (tree.SlotDepth(slot) >= maxDepth) continue;
                bool known = tree.IsKnown(slot);
                double priority = known ? tree.PathProbability(slot) * tree.BestRemaining(slot) : tree.PathProbability(slot);
                if (known && priority <= 0) continue;
                if (priority > bestPriority || (priority == bestPriority && known && !bestKnown))
                {
                    (best, bestPriority, bestKnown) = (slot, priority, known);
                }
            }
            if (best < 0) return true;
            if (!bestKnown) return false;
            tree.AddChild(best, greedy, random);
        }
        return true;
    }
}
