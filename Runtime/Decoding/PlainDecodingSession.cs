using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>Plain autoregressive decoding: prefill the prompts, then one target Step per token.</summary>
public sealed class PlainDecodingSession : DecodingSession
{
    readonly ModelRows _target;

    internal PlainDecodingSession(CausalLanguageModel target, IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options,
        ModelState? resume = null, CancellationToken cancellationToken = default)
        : base(prompts, options, target.VocabSize)
    {
        _target = new ModelRows(target, prompts, resume, cancellationToken);
    }

    /// <summary>The target's state (for tests and inspection).</summary>
    internal ModelRows Target => _target;

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        var logits = _target.StepQueues();
        Statistics.TargetCalls++;
        var next = new IReadOnlyList<long>[Batch];
        for (int b = 0; b < Batch; b++)
        {
            var probabilities = TokenDistribution.Probabilities(logits[b], Options.Sampling);
            long token = TokenDistribution.Sample(probabilities, RandomFor(b));
            _target.SetQueue(b, [token]);
            next[b] = [token];
        }
        return next;
    }

    /// <inheritdoc />
    protected override void DisposeStates() => _target.Dispose();
}
