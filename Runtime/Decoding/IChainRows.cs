namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// The rows of one model that a chain round drives (<see cref="ModelRows"/>, <see cref="Seq2SeqRows"/>): per-row queues
/// of tokens not yet fed, a verification that reads the state and never writes it, and a commit of a count per row.
/// </summary>
internal interface IChainRows<TPending> where TPending : class, IDisposable
{
    IReadOnlyList<long> Queue(int row);

    (double[][][] Logits, TPending Pending) Verify(IReadOnlyList<IReadOnlyList<long>> extra, Func<int, IReadOnlyList<int>> indices);

    /// <summary>Feeds every row's queue (empties them) and returns each row's next-token logits.</summary>
    double[][] StepQueues();

    void Commit(TPending pending, long[] counts);

    void SetQueue(int row, IEnumerable<long> tokens);
}
