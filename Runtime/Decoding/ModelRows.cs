using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// A model with its decoding state and, per row, the tokens already chosen but not yet fed to the model (its
/// queue: the last emitted token, or the end of an uneven prompt). Rows may hold queues of different lengths:
/// they are right-padded into one Verify call, which is causal, so the padding never touches a real position and
/// is never committed.
/// </summary>
internal sealed class ModelRows : IChainRows<ModelPending>, IDisposable
{
    readonly List<List<long>> _queues;
    readonly IReadOnlyList<IReadOnlyList<long>> _prompts;
    readonly int _shared;
    int _prefilled;
    bool _detached;

    /// <summary>
    /// Longest block of one prefill call: a long prompt is fed in blocks of this many tokens, so that its logits
    /// (block x vocabulary per row) stay small and a cancellation is seen between blocks.
    /// </summary>
    internal const int PrefillBlock = 512;

    /// <param name="model">The model.</param>
    /// <param name="prompts">Tokens to feed per row.</param>
    /// <param name="resume">A state that already holds earlier tokens (the prompts continue it), or null for a new state; the rows take it over.</param>
    /// <param name="cancellationToken">Checked between prefill blocks.</param>
    public ModelRows(CausalLanguageModel model, IReadOnlyList<IReadOnlyList<long>> prompts, ModelState? resume = null, CancellationToken cancellationToken = default)
        : this(model, prompts, resume, deferPrefill: false, cancellationToken)
    {
    }

    /// <summary>Rows whose prompt prefill runs now, or (<paramref name="deferPrefill"/>) block by block through <see cref="PrefillNext"/>.</summary>
    public ModelRows(CausalLanguageModel model, IReadOnlyList<IReadOnlyList<long>> prompts, ModelState? resume, bool deferPrefill, CancellationToken cancellationToken = default)
    {
        Model = model;
        int batch = prompts.Count;
        if (resume is not null && (resume.Owner != model || resume.Batch != batch))
            throw new ArgumentException($"A resumed state must belong to this model and hold {batch} row(s).", nameof(resume));
        State = resume ?? model.CreateState(batch);
        _prompts = prompts;
        _shared = prompts.Min(p => p.Count) - 1;
        _queues = prompts.Select(p => p.Skip(_shared).ToList()).ToList();
        if (deferPrefill) return;
        try
        {
            while (PrefillRemaining > 0) PrefillNext(PrefillBlock, cancellationToken);
        }
        catch
        {
            State.Dispose();
            throw;
        }
    }

    /// <summary>Prompt tokens (per row) still to prefill before the rows can decode.</summary>
    public int PrefillRemaining => _shared - _prefilled;

    /// <summary>Prefills the next block of at most <paramref name="maxTokens"/> (and <see cref="PrefillBlock"/>) prompt tokens per row.</summary>
    public void PrefillNext(int maxTokens, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int length = Math.Min(Math.Min(PrefillBlock, maxTokens), PrefillRemaining);
        if (length <= 0) return;
        using var scope = NewDisposeScope();
        int start = _prefilled;
        var tokens = tensor(_prompts.SelectMany(p => p.Skip(start).Take(length)).ToArray(), [Batch, length], ScalarType.Int64);
        Model.Prefill(tokens, State);
        _prefilled += length;
    }

    public CausalLanguageModel Model { get; }

    public ModelState State { get; }

    public int Batch => _queues.Count;

    public IReadOnlyList<long> Queue(int row) => _queues[row];

    /// <summary>
    /// Verifies, for each row, its queue followed by <paramref name="extra"/>[row]; returns the logits at the
    /// requested block indices (as float64 on the host, [row][index][vocab]) and the pending commit.
    /// </summary>
    public (double[][][] Logits, ModelPending Pending) Verify(IReadOnlyList<IReadOnlyList<long>> extra, Func<int, IReadOnlyList<int>> indices)
    {
        using var scope = NewDisposeScope();
        var blocks = Enumerable.Range(0, Batch).Select(b => _queues[b].Concat(extra[b]).ToArray()).ToArray();
        int length = blocks.Max(b => b.Length);
        var padded = new long[Batch * length];
        for (int b = 0; b < Batch; b++) Array.Copy(blocks[b], 0, padded, b * length, blocks[b].Length);
        var (logits, pending) = Model.Verify(tensor(padded, [Batch, length], ScalarType.Int64), State);
        return (Gather(logits, length, indices), pending);
    }

    /// <summary>Feeds each row's queue with one Step when every queue holds one token; returns the last logits per row.</summary>
    public double[][] StepQueues()
    {
        using var scope = NewDisposeScope();
        if (_queues.All(q => q.Count == 1))
        {
            var logits = Model.Step(tensor(_queues.Select(q => q[0]).ToArray(), [Batch, 1], ScalarType.Int64), State);
            foreach (var queue in _queues) queue.Clear();
            return Gather(logits, 1, _ => [0]).Select(r => r[0]).ToArray();
        }
        var (verified, pending) = Verify(_queues.Select(_ => (IReadOnlyList<long>)Array.Empty<long>()).ToArray(), b => [_queues[b].Count - 1]);
        using (pending) Commit(pending, _queues.Select(q => (long)q.Count).ToArray());
        return verified.Select(r => r[0]).ToArray();
    }

    /// <summary>Commits counts[b] tokens of row b's verified block; they leave the queue (drafted tokens beyond it are the caller's).</summary>
    public void Commit(ModelPending pending, long[] counts)
    {
        Model.Commit(State, pending, counts);
        for (int b = 0; b < Batch; b++) _queues[b].RemoveRange(0, (int)Math.Min(counts[b], _queues[b].Count));
    }

    /// <summary>Replaces row b's queue (after a round, with the tokens chosen but not yet fed).</summary>
    public void SetQueue(int row, IEnumerable<long> tokens)
    {
        _queues[row].Clear();
        _queues[row].AddRange(tokens);
    }

    /// <summary>The logits [batch, length, vocab] at each row's requested block indices, as float64 on the host ([row][index][vocab]).</summary>
    internal static double[][][] Gather(Tensor logits, int length, Func<int, IReadOnlyList<int>> indices)
    {
        int batch = (int)logits.shape[0], vocab = (int)logits.shape[2];
        var wanted = Enumerable.Range(0, batch).Select(indices).ToArray();
        var flat = wanted.SelectMany((idx, b) => idx.Select(i => (long)(b * length + i))).ToArray();
        var rows = ReadRows(logits, flat, vocab);
        var result = new double[batch][][];
        int k = 0;
        for (int b = 0; b < batch; b++)
        {
            result[b] = new double[wanted[b].Count][];
            for (int j = 0; j < wanted[b].Count; j++, k++) result[b][j] = rows.AsSpan(k * vocab, vocab).ToArray();
        }
        return result;
    }

    /// <summary>The logits of the given flat rows as float64, read in place when they sit contiguous on the CPU (every round reads them).</summary>
    internal static double[] ReadRows(Tensor logits, long[] flat, int vocab)
    {
        if (logits.device_type == DeviceType.CPU && logits.is_contiguous() && logits.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            var rows = new double[flat.Length * vocab];
            if (logits.dtype == ScalarType.Float32)
            {
                var data = TensorMemory.Span<float>(logits);
                for (int r = 0; r < flat.Length; r++)
                    for (int v = 0; v < vocab; v++) rows[r * vocab + v] = data[(int)flat[r] * vocab + v];
            }
            else
            {
                var data = TensorMemory.Span<double>(logits);
                for (int r = 0; r < flat.Length; r++) data.Slice((int)flat[r] * vocab, vocab).CopyTo(rows.AsSpan(r * vocab, vocab));
            }
            return rows;
        }
        return logits.reshape(-1, vocab).index_select(0, tensor(flat, ScalarType.Int64, logits.device))
            .to_type(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    /// <summary>
    /// Takes over <paramref name="other"/>'s rows after this one's (continuous batching: a prefilled request joins the
    /// running batch, each row at its own position with its own queue), then disposes <paramref name="other"/>.
    /// </summary>
    public void Append(ModelRows other)
    {
        if (other.Model != Model) throw new ArgumentException("Only rows of the same model can join.", nameof(other));
        if (other.PrefillRemaining > 0 || PrefillRemaining > 0) throw new InvalidOperationException("Rows join only once their prompts are prefilled.");
        State.AppendRows(other.State);
        _queues.AddRange(other._queues.Select(q => new List<long>(q)));
        other.Dispose();
    }

    /// <summary>Keeps only <paramref name="rows"/>, in that order (finished or cancelled rows leave).</summary>
    public void KeepRows(IReadOnlyList<int> rows)
    {
        State.KeepRows(rows);
        var kept = rows.Select(r => _queues[r]).ToArray();
        _queues.Clear();
        _queues.AddRange(kept);
    }

    /// <summary>A copy of row <paramref name="row"/>'s state alone (the caller disposes it).</summary>
    public ModelState CopyRow(int row) => State.CopyRows([row]);

    /// <summary>Hands the state to the caller (who must dispose it): disposing the rows then leaves it alone.</summary>
    public ModelState Detach()
    {
        _detached = true;
        return State;
    }

    public void Dispose()
    {
        if (!_detached) State.Dispose();
    }
}
