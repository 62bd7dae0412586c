using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Checks of the token and length tensors that encoders and seq2seq models take, with one-line messages.</summary>
internal static class ModelInputs
{
    /// <summary>Checks int64 [batch, time] tokens with time at least 1; returns time.</summary>
    public static long CheckTokens(Tensor tokens, ModelConfig config, string method, string name = "tokens")
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.dtype != ScalarType.Int64) throw new ArgumentException($"{method} takes int64 token ids, got {tokens.dtype}.", name);
        if (tokens.dim() != 2) throw new ArgumentException($"{method} takes {name} [batch, time], got {tokens.dim()} dimensions.", name);
        long batch = tokens.shape[0], time = tokens.shape[1];
        if (batch < 1 || time < 1) throw new ArgumentException($"{method} takes at least one row of one token, got [{batch}, {time}].", name);
        if (config.Positions == PositionKind.Learned && time > config.ContextLength)
            throw new ArgumentException($"{method} got {time} tokens per row, but the learned position table has {config.ContextLength} rows (context_length).", name);
        using var scope = NewDisposeScope();
        long min = tokens.min().item<long>(), max = tokens.max().item<long>();
        if (min < 0 || max >= config.VocabSize)
            throw new ArgumentException($"{method}: token ids must lie in 0..{config.VocabSize - 1}, got {(min < 0 ? min : max)}.", name);
        return time;
    }

    /// <summary>Row lengths from an int64 [batch] tensor in 1..time, or all time when null.</summary>
    public static long[] Lengths(Tensor? lengths, long batch, long time, string method)
    {
        if (lengths is null) return Enumerable.Repeat(time, (int)batch).ToArray();
        if (lengths.dtype != ScalarType.Int64 || lengths.dim() != 1 || lengths.shape[0] != batch)
            throw new ArgumentException($"{method} takes lengths as int64 [{batch}] (one per row), got {lengths.dtype} [{string.Join(", ", lengths.shape)}].", nameof(lengths));
        long[] rows;
        using (var scope = NewDisposeScope()) rows = lengths.cpu().data<long>().ToArray();
        for (int b = 0; b < rows.Length; b++)
        {
            if (rows[b] < 1 || rows[b] > time)
                throw new ArgumentException($"{method}: row {b} has length {rows[b]}, but lengths must lie in 1..{time} (the tokens' time).", nameof(lengths));
        }
        return rows;
    }
}
