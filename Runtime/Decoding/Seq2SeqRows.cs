using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// A seq2seq model decoding a batch of sources: it encodes them once (its <see cref="EncoderMemory"/>), holds the
/// decoder's state and, per row, the tokens chosen but not yet fed to the decoder (its queue; it starts as the
/// decoder start token). The seq2seq counterpart of <see cref="ModelRows"/>.
/// </summary>
internal sealed class Seq2SeqRows : ChainRows<Seq2SeqPending>, IDisposable
{
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
        Queues.AddRange(Enumerable.Range(0, batch).Select(_ => new List<long> { model.Config.DecoderStartTokenId }));
    }

    public Seq2SeqModel Model { get; }

    public Seq2SeqState State { get; }

    protected override (Tensor Logits, Seq2SeqPending Pending) VerifyBlock(Tensor tokens)
    {
        var (logits, pending) = Model.Verify(tokens, State);
        return (logits, pending);
    }

    protected override Tensor StepBlock(Tensor tokens) => Model.Step(tokens, State);

    protected override void CommitBlock(Seq2SeqPending pending, long[] counts) => Model.Commit(State, pending, counts);

    public void Dispose()
    {
        State.Dispose();
        _memory.Dispose();
    }
}
