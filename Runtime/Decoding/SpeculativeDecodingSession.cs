using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// Speculative decoding (docs/method.md, "Exact speculative decoding"). A round: the draft proposes m tokens per row; the target checks
/// [queue, x_1..x_m] in ONE Verify call; each row accepts a prefix by exact speculative sampling and gains one more
/// token (the correction or the bonus); both models commit exactly the accepted tokens.
/// </summary>
/// <remarks>
/// Rollback costs nothing: neither model ever writes a token that is later rejected. The target verifies and then
/// commits the accepted prefix. The draft first takes its queue (tokens already accepted, so it commits them at
/// once: a Step when every row has one), which gives x_1; it then proposes token k by verifying x_1..x_{k-1}
/// against that state (Verify reads the state and never writes it), so after m proposals it holds one pending
/// record for x_1..x_{m-1} and commits only the accepted prefix. Cost per round: one draft call for the queue and
/// m - 1 over blocks of at most m - 1 tokens (the draft re-reads its proposals, which for a small draft costs little
/// next to a target call), one target call, and no copy of either state. Every part of a state (S, the group
/// buffer, the conv history, the KV cache) moves through the same Commit, so nothing can roll back separately.
/// </remarks>
public sealed class SpeculativeDecodingSession : DecodingSession
{
    readonly ModelRows _target;
    readonly ModelRows _draft;
    readonly SpeculationOptions _speculation;
    readonly AcceptanceRule _rule;

    internal SpeculativeDecodingSession(CausalLanguageModel target, CausalLanguageModel draft, IReadOnlyList<IReadOnlyList<long>> prompts,
        GenerationOptions options, SpeculationOptions speculation, AcceptanceRule rule = AcceptanceRule.Exact, CancellationToken cancellationToken = default)
        : this(target, draft, prompts, prompts, options, speculation, null, null, rule, cancellationToken)
    {
    }

    /// <summary>A session whose target and draft continue states that already hold earlier tokens (each fed its own new tokens).</summary>
    internal SpeculativeDecodingSession(CausalLanguageModel target, CausalLanguageModel draft, IReadOnlyList<IReadOnlyList<long>> targetPrompts,
        IReadOnlyList<IReadOnlyList<long>> draftPrompts, GenerationOptions options, SpeculationOptions speculation, ModelState? resumeTarget,
        ModelState? resumeDraft, AcceptanceRule rule = AcceptanceRule.Exact, CancellationToken cancellationToken = default)
        : base(targetPrompts, options, target.VocabSize)
    {
        _speculation = speculation;
        _rule = rule;
        DraftTokens = speculation.DraftTokens;
        _target = new ModelRows(target, targetPrompts, resumeTarget, cancellationToken);
        try
        {
            _draft = new ModelRows(draft, draftPrompts, resumeDraft, cancellationToken);
        }
        catch
        {
            _target.Dispose();
            resumeDraft?.Dispose();
            throw;
        }
    }

    /// <summary>Draft tokens of the next round (changes between rounds when adaptive).</summary>
    public int DraftTokens { get; private set; }

    internal ModelRows Target => _target;

    internal ModelRows Draft => _draft;

    /// <inheritdoc />
    protected override IReadOnlyList<long>[] Round()
    {
        var (emitted, fewestAccepted) = ChainRound(_target, _draft, DraftTokens, _rule);
        Adapt(fewestAccepted, DraftTokens);
        return emitted;
    }

    /// <summary>Adaptive draft length: one more after a fully accepted round, (accepted + 1) after a rejection; bounded.</summary>
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
