using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Plain decoding of a seq2seq model: each row's source is encoded once, then the decoder starts from the decoder
/// start token and takes one Step per generated token. The session's "prompts" are the sources.
/// </summary>
public sealed class Seq2SeqPlainDecodingSession : DecodingSession
{
    readonly Seq2SeqRows _target;

    internal Seq2SeqPlainDecodingSession(Seq2SeqModel model, IReadOnlyList<IReadOnlyList<long>> sources, GenerationOptions options)
        : base(sources, options, model.VocabSize)
    {
        _target = new Seq2SeqRows(model, sources);
    }

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        var logits = _target.StepQueues();
        Statistics.TargetCalls++;
        var next = new IReadOnlyList<long>[Batch];
        for (int b = 0; b < Batch; b++)
        {
            long token = TokenDistribution.Sample(TokenDistribution.Probabilities(logits[b], Options.Sampling), RandomFor(b));
            _target.SetQueue(b, [token]);
            next[b] = [token];
        }
        return next;
    }

    /// <inheritdoc />
    protected override void DisposeStates() => _target.Dispose();
}

/// <summary>
/// Speculative decoding of a seq2seq target with a seq2seq draft: each encodes the sources once, then every round
/// runs as in <see cref="SpeculativeDecodingSession"/> (chain drafting, one target Verify, exact acceptance by
/// <see cref="SpeculativeAcceptance"/>, both decoders commit exactly the accepted tokens). Greedy output is
/// token-identical to <see cref="Seq2SeqPlainDecodingSession"/> with the target; sampled output follows the target's distribution.
/// </summary>
public sealed class Seq2SeqSpeculativeDecodingSession : DecodingSession
{
    readonly Seq2SeqRows _target;
    readonly Seq2SeqRows _draft;
    readonly SpeculationOptions _speculation;

    internal Seq2SeqSpeculativeDecodingSession(Seq2SeqModel target, Seq2SeqModel draft, IReadOnlyList<IReadOnlyList<long>> sources,
        GenerationOptions options, SpeculationOptions speculation)
        : base(sources, options, target.VocabSize)
    {
        _speculation = speculation;
        DraftTokens = speculation.DraftTokens;
        _target = new Seq2SeqRows(target, sources);
        try
        {
            _draft = new Seq2SeqRows(draft, sources);
        }
        catch
        {
            _target.Dispose();
            throw;
        }
    }

    /// <summary>Draft tokens of the next round (changes between rounds when adaptive).</summary>
    public int DraftTokens { get; private set; }

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        var (emitted, fewestAccepted) = ChainRound(_target, _draft, DraftTokens, AcceptanceRule.Exact);
        Adapt(fewestAccepted, DraftTokens);
        return emitted;
    }

    void Adapt(int accepted, int m)
    {
        if (!_speculation.Adaptive) return;
        int next = accepted == m ? m + 1 : accepted + 1;
        DraftTokens = Math.Clamp(next, _speculation.MinDraftTokens, _speculation.MaxDraftTokens);
    }

    /// <inheritdoc />
    protected override void DisposeStates()
    {
        _target.Dispose();
        _draft.Dispose();
    }
}
