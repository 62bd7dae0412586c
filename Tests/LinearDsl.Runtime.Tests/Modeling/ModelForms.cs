using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>Drives a model through its recurrent and speculative forms over a whole sequence.</summary>
public static class ModelForms
{
    /// <summary>Feeds every token through Step from a fresh state; returns logits [batch, time, vocab].</summary>
    public static Tensor StepLoop(CausalLanguageModel model, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        using var state = model.CreateState(tokens.shape[0]);
        var logits = new List<Tensor>();
        for (long t = 0; t < tokens.shape[1]; t++) logits.Add(model.Step(tokens.narrow(1, t, 1), state));
        return cat(logits, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Prefills the first <paramref name="prefix"/> tokens, then verifies the rest in blocks of the given sizes
    /// (cycled) and commits each block whole. Returns the logits of every token.
    /// </summary>
    public static Tensor PrefillThenVerify(CausalLanguageModel model, Tensor tokens, long prefix, params long[] blocks)
    {
        using var scope = NewDisposeScope();
        long batch = tokens.shape[0], time = tokens.shape[1];
        using var state = model.CreateState(batch);
        var logits = new List<Tensor>();
        if (prefix > 0) logits.Add(model.Prefill(tokens.narrow(1, 0, prefix), state));
        int i = 0;
        for (long start = prefix; start < time; i++)
        {
            long m = Math.Min(blocks[i % blocks.Length], time - start);
            var (verified, pending) = model.Verify(tokens.narrow(1, start, m), state);
            using (pending) model.Commit(state, pending, Enumerable.Repeat(m, (int)batch).ToArray());
            logits.Add(verified);
            start += m;
        }
        return cat(logits, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Row b's tokens at positions[b] .. positions[b] + count - 1, as [batch, count].</summary>
    public static Tensor Take(Tensor tokens, IReadOnlyList<long> positions, long count)
        => cat(positions.Select((p, b) => tokens[b].narrow(0, p, count).unsqueeze(0)).ToArray(), 0);

    /// <summary>True when both tensors hold exactly the same values.</summary>
    public static bool BitIdentical(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.equal(b).all().item<bool>();
    }
}
