namespace LinearDsl.Runtime.Hosting;

/// <summary>
/// Finds stop sequences in text that arrives in chunks, across chunk (and so token) boundaries. It holds back the
/// shortest tail of the text that could still grow into a stop sequence and releases text only once no stop
/// sequence can start in it, so the released text never contains (or begins) a stop sequence. Ordinal comparison.
/// </summary>
internal sealed class StopSequenceMatcher
{
    readonly string[] _stops;
    readonly int _longest;
    string _held = string.Empty;

    /// <summary>Matches <paramref name="stopSequences"/> (empty means nothing stops).</summary>
    /// <exception cref="ArgumentException">A stop sequence is null or empty.</exception>
    public StopSequenceMatcher(IEnumerable<string> stopSequences)
    {
        ArgumentNullException.ThrowIfNull(stopSequences);
        _stops = stopSequences.Distinct(StringComparer.Ordinal).ToArray();
        if (_stops.Any(string.IsNullOrEmpty))
            throw new ArgumentException("A stop sequence is empty; every stop sequence needs at least one character.", nameof(stopSequences));
        _longest = _stops.Length == 0 ? 0 : _stops.Max(s => s.Length);
    }

    /// <summary>Text held back because it could still become a stop sequence.</summary>
    public string Held => _held;

    /// <summary>The stop sequence that was found, once one was.</summary>
    public string? Matched { get; private set; }

    /// <summary>
    /// Adds <paramref name="text"/> and returns the text that is now safe to release. When a stop sequence appears, the
    /// result is the text before it, <see cref="Matched"/> is set and everything after is dropped.
    /// </summary>
    /// <exception cref="InvalidOperationException">A stop sequence was already found.</exception>
    public string Append(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Matched is not null) throw new InvalidOperationException("The text already reached a stop sequence.");
        if (_stops.Length == 0) return text;
        string pending = _held + text;
        int first = -1;
        foreach (var stop in _stops)
        {
            int at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
                Matched = stop;
            }
        }
        if (Matched is not null)
        {
            _held = string.Empty;
            return pending[..first];
        }
        int keep = StartOfPossibleStop(pending);
        _held = pending[keep..];
        return pending[..keep];
    }

    /// <summary>Ends the text: releases what was held back (it never became a stop sequence).</summary>
    public string Flush()
    {
        string rest = _held;
        _held = string.Empty;
        return rest;
    }

    /// <summary>The first index from which the rest of <paramref name="pending"/> is a proper prefix of a stop sequence, or its length.</summary>
    int StartOfPossibleStop(string pending)
    {
        for (int start = Math.Max(0, pending.Length - (_longest - 1)); start < pending.Length; start++)
        {
            var tail = pending.AsSpan(start);
            foreach (var stop in _stops)
            {
                if (stop.Length > tail.Length && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal)) return start;
            }
        }
        return pending.Length;
    }
}
