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
        var heads = target.Medusa ?? throw new ArgumentException(
            "This target has no Medusa heads; train them with `lineardsl train-heads` (or declare [MedusaHeads]) and load that checkpoint, or use Mode Tree or Chain.", nameof(target));
        return new TreeHeadsSource(heads.Count, batch);
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
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = result.Hidden ?? throw new InvalidOperationException("The target's tree verification returned no hidden states for its Medusa heads.");
        int batch = queues.Length;
        var index = Enumerable.Range(0, batch).Select(b => (long)(paths[b].Count == 0 ? queues[b] - 1 : queues[b] + paths[b][^1])).ToArray();
        int vocab = target.VocabSize, heads = Count;
        // The managed heads read the hidden rows in place; elsewhere (GPU, int8) the tensor form.
        var data = target.MedusaLogitsRows(hidden, index.Select((slot, b) => b * hidden.shape[1] + slot).ToArray());
        if (data is null)
        {
            var last = hidden.gather(1, tensor(index, device: hidden.device).view(batch, 1, 1).expand(batch, 1, hidden.shape[2])).squeeze(1);
            var logits = target.MedusaLogits(last).contiguous();
            data = HostLogits.ReadRows(logits, Enumerable.Range(0, heads * batch).Select(i => (long)i).ToArray(), vocab);
        }
        // Greedy drafts rank by the heads' plain softmax (top-k); sampling draws from the request's transform.
        var transform = sampling.IsGreedy ? new SamplingOptions() : sampling;
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                _rows[b][h] = TokenDistribution.Probabilities(data.AsSpan((h * batch + b) * vocab, vocab).ToArray(), transform);
    }
}
