using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Candidate distributions from the target's Medusa heads: after each target call, the heads read the final hidden
/// state of the position that produced the row's next token; head d then gives the distribution of every tree slot
/// at depth d (the same for all nodes at that depth). Before the first target call a row has none.
/// </summary>
internal sealed class TreeHeadsSource
{
    readonly double[]?[][] _rows;

    TreeHeadsSource(int heads, int batch)
    {
        Count = heads;
        _rows = Enumerable.Range(0, batch).Select(_ => new double[heads][]).ToArray();
    }

    /// <summary>Number of heads: the deepest slot they can fill.</summary>
    public int Count { get; }

    public static TreeHeadsSource Create(CausalLanguageModel target, int batch)
    {
        _ = target;
        _ = batch;
        throw new ArgumentException("This target has no Medusa heads; train them with `lineardsl train-heads` (or declare [MedusaHeads]) and load that checkpoint, or use Mode Tree or Chain.", nameof(target));
    }

    /// <summary>Sets every unknown slot of row b's tree that a head covers; true when it set any.</summary>
    public bool Fill(int row, TreeDraft tree, SamplingOptions sampling)
    {
        bool any = false;
        for (int slot = 0; slot <= tree.Count; slot++)
        {
            int depth = tree.SlotDepth(slot);
            if (tree.IsKnown(slot) || depth >= Count || _rows[row][depth] is not { } q) continue;
            tree.SetDistribution(slot, q);
            any = true;
        }
        return any;
    }

    /// <summary>Reads the heads at each row's last accepted position (the queue's last token when the path is empty).</summary>
    public void Update(CausalLanguageModel target, ModelVerifyResult result, int[] queues, IReadOnlyList<IReadOnlyList<int>> paths, SamplingOptions sampling)
    {
        _ = (target, result, queues, paths, sampling, _rows);
        throw new NotSupportedException();
    }
}
