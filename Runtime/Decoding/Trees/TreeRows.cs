using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Tree verification of <see cref="ModelRows"/>: each row's queue (tokens chosen but not yet fed) becomes a chain at
/// the top of its tree and the candidates hang below its last token, so one VerifyTree call feeds the queue and
/// checks the candidates; committing the queue plus an accepted path leaves the state that feeding them one by one
/// would leave.
/// </summary>
internal static class TreeRows
{
    /// <summary>
    /// Verifies queue + candidates for every row; returns per row the logits of each slot (0: after the queue, i + 1:
    /// after candidate i), as float64 on the host, and the model's result (pending record, hidden states).
    /// </summary>
    public static (double[][][] Slots, ModelVerifyResult Result) VerifyTree(ModelRows rows, IReadOnlyList<IReadOnlyList<int>> parents, IReadOnlyList<IReadOnlyList<long>> tokens)
    {
        int batch = rows.Batch;
        var trees = new CandidateTree[batch];
        var blocks = new long[batch][];
        for (int b = 0; b < batch; b++)
        {
            int queue = rows.Queue(b).Count;
            if (queue == 0) throw new InvalidOperationException("A row's queue is empty: its last token must be fed with its candidates.");
            trees[b] = new CandidateTree(Enumerable.Range(-1, queue).Concat(parents[b].Select(p => p < 0 ? queue - 1 : queue + p)).ToArray());
            blocks[b] = rows.Queue(b).Concat(tokens[b]).ToArray();
        }
        int width = blocks.Max(block => block.Length);
        var padded = new long[batch * width];
        for (int b = 0; b < batch; b++) Array.Copy(blocks[b], 0, padded, b * width, blocks[b].Length);
        using var scope = NewDisposeScope();
        var result = rows.Model.VerifyTree(tensor(padded, [batch, width], ScalarType.Int64), rows.State, trees);
        try
        {
            // Only the slots after the queue's last token are read, in place when the logits sit on the CPU.
            int vocab = (int)result.Logits.shape[2];
            var flat = new List<long>();
            for (int b = 0; b < batch; b++)
            {
                int queue = rows.Queue(b).Count;
                for (int s = 0; s <= tokens[b].Count; s++) flat.Add((long)b * width + queue - 1 + s);
            }
            var data = HostLogits.ReadRows(result.Logits, [.. flat], vocab);
            var slots = new double[batch][][];
            for (int b = 0, k = 0; b < batch; b++)
            {
                slots[b] = new double[tokens[b].Count + 1][];
                for (int s = 0; s < slots[b].Length; s++, k++) slots[b][s] = data.AsSpan(k * vocab, vocab).ToArray();
            }
            result.Logits.MoveToOuterDisposeScope();
            result.Hidden?.MoveToOuterDisposeScope();
            return (slots, result);
        }
        catch
        {
            result.Pending.Dispose();
            throw;
        }
    }

    /// <summary>Commits each row's queue and its accepted candidate path (node indices); the queue empties.</summary>
    public static void CommitPath(ModelRows rows, ModelPending pending, IReadOnlyList<IReadOnlyList<int>> paths)
    {
        var full = new IReadOnlyList<int>[rows.Batch];
        for (int b = 0; b < rows.Batch; b++)
        {
            int queue = rows.Queue(b).Count;
            full[b] = Enumerable.Range(0, queue).Concat(paths[b].Select(n => queue + n)).ToArray();
        }
        rows.Model.CommitPath(rows.State, pending, full);
        for (int b = 0; b < rows.Batch; b++) rows.SetQueue(b, []);
    }
}
