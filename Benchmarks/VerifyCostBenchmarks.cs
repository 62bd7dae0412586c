using System.Diagnostics;
using System.Text.Json.Serialization;
using LinearDsl.Models;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Benchmarks;

/// <summary>What one decoding call of a bundled model costs: a step, a chain verification or a tree verification of n nodes.</summary>
public sealed record VerifyCostMeasurement
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An instance property, so that System.Text.Json writes it into every row.")]
    [JsonPropertyName("benchmark")] public string Benchmark => "verify-cost";
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("form")] public required string Form { get; init; }
    [JsonPropertyName("nodes")] public int Nodes { get; init; }
    [JsonPropertyName("ms_per_call")] public double MillisecondsPerCall { get; init; }
    /// <summary>The call's cost in steps of the same model (a tree of n nodes is worth it only while this stays well below the tokens it yields).</summary>
    [JsonPropertyName("steps_per_call")] public double StepsPerCall { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public required string Commit { get; init; }
    [JsonPropertyName("decode_threads")] public int DecodeThreads { get; init; } = FusedDecoding.Threads;
    [JsonPropertyName("load_average")] public double LoadAverage { get; init; } = LoadAverages.OneMinute();
}

/// <summary>
/// The cost of one call of the bundled target and draft against the number of tokens it checks: Step, chain Verify of
/// n tokens, VerifyTree of a binary tree of n nodes, and the target's Medusa heads on one hidden state. The state is
/// read, never committed, so every call sees the same 32-token prefix. Medians of many rounds after a warm-up, every
/// call timed once per round in turn.
/// </summary>
public sealed class VerifyCostBenchmarks(bool quick, TextWriter log)
{
    static readonly int[] Sizes = [1, 2, 4, 5, 8, 16, 32, 64];
    int Rounds => quick ? 5 : 101;

    public List<VerifyCostMeasurement> Run()
    {
        using var _ = inference_mode();
        set_num_threads(1);
        using var target = BundledModels.LoadTarget();
        using var draft = BundledModels.LoadDraft();
        using var targetState = Prefilled(target);
        using var draftState = Prefilled(draft);
        using var hidden = zeros([1, target.Width], target.ParameterDtype);
        // Every call is timed in turn, round after round, so that drift on a shared machine hits every size alike.
        var calls = new List<(string Model, string Form, int Nodes, Action Call)>();
        calls.AddRange(Calls("target", target, targetState));
        calls.AddRange(Calls("draft", draft, draftState));
        if (target.Medusa is { } heads)
        {
            calls.Add(("target", $"medusa heads ({heads.Count})", 1, () =>
            {
                using var scope = NewDisposeScope();
                target.MedusaLogits(hidden).to_type(ScalarType.Float64).cpu();
            }));
        }
        var times = calls.Select(_ => new List<double>()).ToArray();
        for (int round = -5; round < Rounds; round++)
        {
            for (int i = 0; i < calls.Count; i++)
            {
                var clock = Stopwatch.StartNew();
                calls[i].Call();
                if (round >= 0) times[i].Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        var medians = times.Select(Medians.Of).ToArray();
        // A step advances the state, so it is timed on a fresh copy per call: the copy's own time is taken off.
        double Timed(string model, string form) => medians[calls.FindIndex(c => c.Model == model && c.Form == form)];
        var step = new Dictionary<string, double>
        {
            ["target"] = Timed("target", "step + copy") - Timed("target", "copy"),
            ["draft"] = Timed("draft", "step + copy") - Timed("draft", "copy"),
        };
        var rows = new List<VerifyCostMeasurement>();
        for (int i = 0; i < calls.Count; i++)
        {
            var (model, form, nodes, _) = calls[i];
            if (form == "copy") continue;
            double ms = form == "step + copy" ? step[model] : medians[i];
            rows.Add(Row(model, form == "step + copy" ? "step" : form, nodes, ms, step[model]));
        }
        foreach (var row in rows)
            log.WriteLine($"{row.Model,-7} {row.Form,-20} {row.Nodes,3} nodes {row.MillisecondsPerCall,8:F3} ms  {row.StepsPerCall,6:F2} steps");
        return rows;
    }

    static ModelState Prefilled(CausalLanguageModel model)
    {
        var state = model.CreateState(1);
        using var prompt = tensor(Tokens(model, 32, seed: 5), [1, 32]);
        model.Prefill(prompt, state).Dispose();
        return state;
    }

    static long[] Tokens(CausalLanguageModel model, int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (long)random.Next(model.VocabSize)).ToArray();
    }

    /// <summary>The timed calls of one model: a step (on a copy), the copy alone, chain and tree verification of each size (the state is read, never written).</summary>
    IEnumerable<(string Model, string Form, int Nodes, Action Call)> Calls(string name, CausalLanguageModel model, ModelState state)
    {
        var one = tensor(Tokens(model, 1, seed: 6), [1, 1]);
        yield return (name, "copy", 1, () => state.CopyRows([0]).Dispose());
        yield return (name, "step + copy", 1, () =>
        {
            using var scratch = state.CopyRows([0]);
            model.Step(one, scratch).Dispose();
        });
        foreach (int n in quick ? Sizes.Take(3) : Sizes)
        {
            var tokens = tensor(Tokens(model, n, seed: n), [1, n]);
            yield return (name, "chain verify", n, () =>
            {
                var (logits, pending) = model.Verify(tokens, state);
                logits.Dispose();
                pending.Dispose();
            });
            var tree = new CandidateTree(Enumerable.Range(0, n).Select(i => i == 0 ? -1 : (i - 1) / 2).ToArray());
            yield return (name, "tree verify (binary)", n, () =>
            {
                var result = model.VerifyTree(tokens, state, [tree]);
                result.Logits.Dispose();
                result.Hidden?.Dispose();
                result.Pending.Dispose();
            });
        }
    }

    static VerifyCostMeasurement Row(string model, string form, int nodes, double ms, double step) => new()
    {
        Model = model, Form = form, Nodes = nodes, MillisecondsPerCall = ms, StepsPerCall = ms / step,
        Machine = RunInfo.Machine, Commit = RunInfo.Commit,
    };
}
