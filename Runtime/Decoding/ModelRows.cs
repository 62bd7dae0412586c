using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// A causal model with its decoding state and, per row, the tokens already chosen but not yet fed to the model (its
/// queue, <see cref="ChainRows{TPending}"/>: the last emitted token, or the end of an uneven prompt). Prompts are
/// prefilled in blocks, and rows can join and leave (continuous batching).
/// </summary>
internal sealed class ModelRows : ChainRows<ModelPending>, IDisposable
{
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
        Queues.AddRange(prompts.Select(p => p.Skip(_shared).ToList()));
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

    protected override (Tensor Logits, ModelPending Pending) VerifyBlock(Tensor tokens)
    {
        var (logits, pending) = Model.Verify(tokens, State);
        return (logits, pending);
    }

    protected override Tensor StepBlock(Tensor tokens) => Model.Step(tokens, State);

    protected override void CommitBlock(ModelPending pending, long[] counts) => Model.Commit(State, pending, counts);

    /// <summary>
    /// Takes over <paramref name="other"/>'s rows after this one's (continuous batching: a prefilled request joins the
    /// running batch, each row at its own position with its own queue), then disposes <paramref name="other"/>.
    /// </summary>
    public void Append(ModelRows other)
    {
        if (other.Model != Model) throw new ArgumentException("Only rows of the same model can join.", nameof(other));
        if (other.PrefillRemaining > 0 || PrefillRemaining > 0) throw new InvalidOperationException("Rows join only once their prompts are prefilled.");
        State.AppendRows(other.State);
        Queues.AddRange(other.Queues.Select(q => new List<long>(q)));
        other.Dispose();
    }

    /// <summary>Keeps only <paramref name="rows"/>, in that order (finished or cancelled rows leave).</summary>
    public void KeepRows(IReadOnlyList<int> rows)
    {
        State.KeepRows(rows);
        var kept = rows.Select(r => Queues[r]).ToArray();
        Queues.Clear();
        Queues.AddRange(kept);
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
