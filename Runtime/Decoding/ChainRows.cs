using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// The rows of one model that a chain round drives (<see cref="ModelRows"/>, <see cref="Seq2SeqRows"/>), with the queue
/// handling they share: per row, the tokens already chosen but not yet fed to the model. Rows may hold queues of
/// different lengths: they are right-padded into one Verify call, which is causal, so the padding never touches a real
/// position and is never committed. A subclass says how its model verifies, steps and commits a block.
/// </summary>
internal abstract class ChainRows<TPending> where TPending : class, IDisposable
{
    /// <summary>Each row's queue.</summary>
    protected List<List<long>> Queues { get; } = [];

    public int Batch => Queues.Count;

    public IReadOnlyList<long> Queue(int row) => Queues[row];

    /// <summary>The model's Verify of int64 tokens [batch, length] on the rows' state: logits [batch, length, vocab] and the pending commit.</summary>
    protected abstract (Tensor Logits, TPending Pending) VerifyBlock(Tensor tokens);

    /// <summary>The model's Step of one token per row [batch, 1] on the rows' state: logits [batch, 1, vocab].</summary>
    protected abstract Tensor StepBlock(Tensor tokens);

    /// <summary>The model's Commit of counts[b] verified tokens of row b.</summary>
    protected abstract void CommitBlock(TPending pending, long[] counts);

    /// <summary>
    /// Verifies, for each row, its queue followed by <paramref name="extra"/>[row]; returns the logits at the
    /// requested block indices (as float64 on the host, [row][index][vocab]) and the pending commit.
    /// </summary>
    public (double[][][] Logits, TPending Pending) Verify(IReadOnlyList<IReadOnlyList<long>> extra, Func<int, IReadOnlyList<int>> indices)
    {
        using var scope = NewDisposeScope();
        var blocks = Enumerable.Range(0, Batch).Select(b => Queues[b].Concat(extra[b]).ToArray()).ToArray();
        int length = blocks.Max(b => b.Length);
        var padded = new long[Batch * length];
        for (int b = 0; b < Batch; b++) Array.Copy(blocks[b], 0, padded, b * length, blocks[b].Length);
        var (logits, pending) = VerifyBlock(tensor(padded, [Batch, length], ScalarType.Int64));
        return (HostLogits.Gather(logits, length, indices), pending);
    }

    /// <summary>Feeds each row's queue with one Step when every queue holds one token; returns the last logits per row.</summary>
    public double[][] StepQueues()
    {
        using var scope = NewDisposeScope();
        if (Queues.All(q => q.Count == 1))
        {
            var logits = StepBlock(tensor(Queues.Select(q => q[0]).ToArray(), [Batch, 1], ScalarType.Int64));
            foreach (var queue in Queues) queue.Clear();
            return HostLogits.Gather(logits, 1, _ => [0]).Select(r => r[0]).ToArray();
        }
        var (verified, pending) = Verify(Queues.Select(_ => (IReadOnlyList<long>)Array.Empty<long>()).ToArray(), b => [Queues[b].Count - 1]);
        using (pending) Commit(pending, Queues.Select(q => (long)q.Count).ToArray());
        return verified.Select(r => r[0]).ToArray();
    }

    /// <summary>Commits counts[b] tokens of row b's verified block; they leave the queue (drafted tokens beyond it are the caller's).</summary>
    public void Commit(TPending pending, long[] counts)
    {
        CommitBlock(pending, counts);
        for (int b = 0; b < Batch; b++) Queues[b].RemoveRange(0, (int)Math.Min(counts[b], Queues[b].Count));
    }

    /// <summary>Replaces row b's queue (after a round, with the tokens chosen but not yet fed).</summary>
    public void SetQueue(int row, IEnumerable<long> tokens)
    {
        Queues[row].Clear();
        Queues[row].AddRange(tokens);
    }
}
