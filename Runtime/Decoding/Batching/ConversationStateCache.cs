using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Decoding.Batching;

/// <summary>
/// The models' states at the end of earlier replies, keyed by the tokens they hold, bounded by bytes and evicted least
/// recently used first. A request whose prompt extends an entry's tokens takes the entry out (a state continues one
/// conversation: a second branch from the same point misses) and prefills only the tokens after it; when the reply ends
/// its states go back in under the longer conversation. A recurrent state has the same size at every length, so an
/// entry costs the same bytes after ten turns as after one; a KV cache entry grows with its tokens.
/// </summary>
/// <remarks>Not thread-safe: the <see cref="ContinuousBatcher"/>'s scheduler thread is its only user.</remarks>
internal sealed class ConversationStateCache(long capacityBytes) : IDisposable
{
    readonly LinkedList<CachedConversation> _entries = new();

    public long CapacityBytes { get; } = capacityBytes;

    public long Bytes { get; private set; }

    public int Count => _entries.Count;

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    /// <summary>Takes out the entry that covers the longest prefix of <paramref name="prompt"/> (leaving at least one token to feed), or null.</summary>
    public CachedConversation? TryTake(IReadOnlyList<long> prompt)
    {
        LinkedListNode<CachedConversation>? best = null;
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            var entry = node.Value;
            int covered = entry.Covered;
            if (covered >= prompt.Count || (best is not null && covered <= best.Value.Covered)) continue;
            if (StartsWith(prompt, entry.Tokens, covered)) best = node;
        }
        if (best is null)
        {
            Misses++;
            return null;
        }
        _entries.Remove(best);
        Bytes -= best.Value.Bytes;
        Hits++;
        return best.Value;
    }

    /// <summary>Adds an entry as the most recently used, evicting the least recently used until it fits; an entry larger than the whole budget is freed at once.</summary>
    public void Add(CachedConversation entry)
    {
        if (entry.Bytes > CapacityBytes)
        {
            entry.Dispose();
            return;
        }
        while (Bytes + entry.Bytes > CapacityBytes && _entries.Last is { } oldest)
        {
            _entries.RemoveLast();
            Bytes -= oldest.Value.Bytes;
            oldest.Value.Dispose();
        }
        _entries.AddFirst(entry);
        Bytes += entry.Bytes;
    }

    static bool StartsWith(IReadOnlyList<long> prompt, long[] tokens, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (prompt[i] != tokens[i]) return false;
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var entry in _entries) entry.Dispose();
        _entries.Clear();
        Bytes = 0;
    }
}

/// <summary>
/// A conversation's states: <see cref="Target"/> holds the first <see cref="Target"/>.Positions[0] of <see cref="Tokens"/>,
/// the draft (when there is one) the first Draft.Positions[0]; the rest of <see cref="Tokens"/> were chosen but not yet fed.
/// </summary>
internal sealed class CachedConversation(long[] tokens, ModelState target, ModelState? draft) : IDisposable
{
    public long[] Tokens { get; } = tokens;

    public ModelState Target { get; } = target;

    public ModelState? Draft { get; } = draft;

    public int TargetLength => (int)Target.Positions[0];

    public int DraftLength => Draft is null ? 0 : (int)Draft.Positions[0];

    /// <summary>Tokens a prompt must start with to continue these states.</summary>
    public int Covered => Math.Max(TargetLength, DraftLength);

    public long Bytes => Target.AllocatedBytes + (Draft?.AllocatedBytes ?? 0);

    public void Dispose()
    {
        Target.Dispose();
        Draft?.Dispose();
    }
}
