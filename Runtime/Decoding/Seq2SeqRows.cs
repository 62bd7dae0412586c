using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// A seq2seq model decoding a batch of sources: it encodes them once (its <see cref="EncoderMemory"/>), holds the
/// decoder's state and, per row, the tokens chosen but not yet fed to the decoder (its queue; it starts as the
/// decoder start token). The seq2seq counterpart of the causal rows the other sessions use: rows' queues may differ
/// in length and are right-padded into one causal Verify, so the padding never touches a real position.
/// </summary>
internal sealed class Seq2SeqRows : IChainRows<Seq2SeqPending>, IDisposable
{
    readonly List<List<long>> _queues;
    readonly EncoderMemory _memory;

    public Seq2SeqRows(Seq2SeqModel model, IReadOnlyList<IReadOnlyList<long>> sources)
    {
        Model = model;
        int batch = sources.Count;
        int longest = sources.Max(s => s.Count);
        var padded = new long[batch * longest];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < sources[b].Count; t++) padded[b * longest + t] = sources[b][t];
        using (var scope = NewDisposeScope())
        {
            var tokens = tensor(padded, [batch, longest], ScalarType.Int64);
            var lengths = sources.All(s => s.Count == longest) ? null : tensor(sources.Select(s => (long)s.Count).ToArray(), ScalarType.Int64);
            _memory = model.Encode(tokens, lengths);
        }
        try
        {
            State = model.CreateState(_memory);
        }
        catch
        {
            _memory.Dispose();
            throw;
        }
        _queues = Enumerable.Range(0, batch).Select(_ => new List<long> { model.Config.DecoderStartTokenId }).ToList();
    }

    public Seq2SeqModel Model { get; }

    public Seq2SeqState State { get; }

    public int Batch => _queues.Count;

    public IReadOnlyList<long> Queue(int row) => _queues[row];

    /// <summary>Verifies, per row, its queue followed by <paramref name="extra"/>[row]; returns the logits at the requested block indices ([row][index][vocab], float64) and the pending commit.</summary>
    public (double[][][] Logits, Seq2SeqPending Pending) Verify(IReadOnlyList<IReadOnlyList<long>> extra, Func<int, IReadOnlyList<int>> indices)
    {
        using var scope = NewDisposeScope();
        var blocks = Enumerable.Range(0, Batch).Select(b => _queues[b].Concat(extra[b]).ToArray()).ToArray();
        int length = blocks.Max(b => b.Length);
        var padded = new long[Batch * length];
        for (int b = 0; b < Batch; b++) Array.Copy(blocks[b], 0, padded, b * length, blocks[b].Length);
        var (logits, pending) = Model.Verify(tensor(padded, [Batch, length], ScalarType.Int64), State);
        return (ModelRows.Gather(logits, length, indices), pending);
    }

    /// <summary>Feeds each row's queue (one Step when every queue holds one token) and returns the last logits per row.</summary>
    public double[][] StepQueues()
    {
        using var scope = NewDisposeScope();
        if (_queues.All(q => q.Count == 1))
        {
            var logits = Model.Step(tensor(_queues.Select(q => q[0]).ToArray(), [Batch, 1], ScalarType.Int64), State);
            foreach (var queue in _queues) queue.Clear();
            return ModelRows.Gather(logits, 1, _ => [0]).Select(r => r[0]).ToArray();
        }
        var (verified, pending) = Verify(_queues.Select(_ => (IReadOnlyList<long>)Array.Empty<long>()).ToArray(), b => [_queues[b].Count - 1]);
        using (pending) Commit(pending, _queues.Select(q => (long)q.Count).ToArray());
        return verified.Select(r => r[0]).ToArray();
    }

    /// <summary>Commits counts[b] tokens of row b's verified block; they leave the queue.</summary>
    public void Commit(Seq2SeqPending pending, long[] counts)
    {
        Model.Commit(State, pending, counts);
        for (int b = 0; b < Batch; b++) _queues[b].RemoveRange(0, (int)Math.Min(counts[b], _queues[b].Count));
    }

    /// <summary>Replaces row b's queue.</summary>
    public void SetQueue(int row, IEnumerable<long> tokens)
    {
        _queues[row].Clear();
        _queues[row].AddRange(tokens);
    }

    public void Dispose()
    {
        State.Dispose();
        _memory.Dispose();
    }
}
