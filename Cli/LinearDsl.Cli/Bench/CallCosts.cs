using System.Diagnostics;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Cli;

/// <summary>One decoding call and its median wall time.</summary>
public sealed record CallCost(string Call, double Milliseconds);

/// <summary>
/// What one call of each decoding form costs on a target and draft, median of repeated calls: the target's step (plain
/// decoding pays one a token), its verification of m + 1 tokens and the draft's step (a speculative round pays one
/// target verification, one draft step and m - 1 draft verifications of 1..m - 1 tokens), and the prompt's prefill
/// (up to <see cref="CausalLanguageModel.FusedPrefillLimit"/> tokens through the generated decode program and, for
/// comparison, through the parallel form; longer prompts through the parallel form, which Prefill then runs).
/// </summary>
public static class CallCosts
{
    /// <summary>Measures every call <paramref name="repeats"/> times (steps: at most until the context is full).</summary>
    public static List<CallCost> Measure(CausalLanguageModel target, CausalLanguageModel? draft, long[] prompt, int draftTokens, int repeats)
    {
        var costs = new List<CallCost> { new("target step", Step(target, prompt, repeats)) };
        if (draft is not null)
        {
            costs.Add(new($"target verify of {draftTokens + 1} tokens", Verify(target, prompt, draftTokens + 1, repeats)));
            costs.Add(new("draft step", Step(draft, prompt, repeats)));
            if (draftTokens > 1) costs.Add(new($"draft verify of {draftTokens - 1} tokens", Verify(draft, prompt, draftTokens - 1, repeats)));
        }
        // Prefill runs the decode program up to its limit and the parallel form past it (or without a program).
        var program = prompt.Length <= CausalLanguageModel.FusedPrefillLimit ? target.DecodeProgram : null;
        costs.Add(new($"target prefill of {prompt.Length} tokens ({(program is null ? "parallel form" : "decode program")})", Prefill(target, prompt, repeats)));
        if (program is not null)
        {
            // The same prefill through the parallel form, for comparison; the program is put back whatever happens.
            try
            {
                target.UseDecodeProgram(null);
                costs.Add(new($"target prefill of {prompt.Length} tokens (parallel form)", Prefill(target, prompt, repeats)));
            }
            finally
            {
                target.UseDecodeProgram(program);
            }
        }
        return costs;
    }

    static double Step(CausalLanguageModel model, long[] prompt, int repeats)
    {
        using var state = model.CreateState(1);
        Fill(model, state, prompt);
        int calls = (int)Math.Min(repeats, Room(model, state));
        if (calls < 1) throw new CliException($"The prompt ({prompt.Length} tokens) fills the model's {model.PositionTableLength} positions and leaves none to measure a step; give a shorter --prompt.");
        return TimeCalls(calls, call => model.Step(Tokens(prompt, call, 1), state));
    }

    static double Verify(CausalLanguageModel model, long[] prompt, int candidates, int repeats)
    {
        using var state = model.CreateState(1);
        Fill(model, state, prompt);
        if (Room(model, state) < candidates)
            throw new CliException($"The prompt ({prompt.Length} tokens) leaves no room for {candidates} candidates in the model's {model.PositionTableLength} positions; give a shorter --prompt.");
        return TimeCalls(repeats, call =>
        {
            var (logits, pending) = model.Verify(Tokens(prompt, call, candidates), state);
            pending.Dispose();
            return logits;
        });
    }

    static double Prefill(CausalLanguageModel model, long[] prompt, int repeats)
    {
        var times = new List<double>(repeats);
        for (int call = 0; call < repeats; call++)
        {
            using var scope = NewDisposeScope();
            using var state = model.CreateState(1);
            var tokens = tensor(prompt, [1, prompt.Length]);
            long start = Stopwatch.GetTimestamp();
            model.Prefill(tokens, state);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return Medians.Of(times);
    }

    /// <summary>Positions left before a learned position table ends (rotary positions do not end).</summary>
    static long Room(CausalLanguageModel model, ModelState state) => (model.PositionTableLength ?? long.MaxValue) - state.Positions[0];

    /// <summary>All of the prompt but its last token, as the decoders do before their first call.</summary>
    static void Fill(CausalLanguageModel model, ModelState state, long[] prompt)
    {
        if (prompt.Length < 2) return;
        using var scope = NewDisposeScope();
        model.Prefill(tensor(prompt[..^1], [1, prompt.Length - 1]), state);
    }

    /// <summary>[1, count] tokens taken from the prompt round-robin (the values do not change the cost).</summary>
    static Tensor Tokens(long[] prompt, int call, int count)
        => tensor(Enumerable.Range(call, count).Select(i => prompt[i % prompt.Length]).ToArray(), [1, count]);

    /// <summary>The median wall time of <paramref name="calls"/> calls of <paramref name="run"/>, each in its own dispose scope.</summary>
    static double TimeCalls(int calls, Func<int, Tensor> run)
    {
        var times = new List<double>(calls);
        for (int call = 0; call < calls; call++)
        {
            using var scope = NewDisposeScope();
            long start = Stopwatch.GetTimestamp();
            run(call);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return Medians.Of(times);
    }
}
