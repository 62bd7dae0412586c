namespace LinearDsl.Server;

/// <summary>
/// Finds stop sequences in text that arrives in chunks, across chunk boundaries: it holds back the shortest tail that
/// could still grow into a stop sequence, so released text never contains or begins one (ordinal comparison). The same
/// rule as the hosting layer's text generator.
/// </summary>
internal sealed class StopMatcher(IReadOnlyList<string> stops)
{
    readonly string[] _stops = stops.Distinct(StringComparer.Ordinal).ToArray();
    readonly int _longest = stops.Count == 0 ? 0 : stops.Max(s => s.Length);
    string _held = string.Empty;

    public string? Matched { get; private set; }

    /// <summary>Adds text; returns what is safe to release (the text before a stop sequence once one is found).</summary>
    public string Append(string text)
    {
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
        int keep = pending.Length;
        for (int start = Math.Max(0, pending.Length - (_longest - 1)); start < pending.Length && keep == pending.Length; start++)
        {
            var tail = pending.AsSpan(start);
            foreach (var stop in _stops)
            {
                if (stop.Length > tail.Length && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                {
                    keep = start;
                    break;
                }
            }
        }
        _held = pending[keep..];
        return pending[..keep];
    }

    /// <summary>Releases what was held back (it never became a stop sequence).</summary>
    public string Flush()
    {
        string rest = _held;
        _held = string.Empty;
        return rest;
    }
}
