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
/// read, never committed, so every call sees the same 32-token prefix. Medians of many calls after a warm-up.
/// </summary>
public sealed class VerifyCostBenchmarks(bool quick, TextWriter log)
{
    static readonly int[] Sizes = [1, 2, 4, 5, 8, 16, 32, 64];
    int Calls => quick ? 5 : 101;

    public List<VerifyCostMeasurement> Run()
    {
        using var _ = inference_mode();
        set_num_threads(1);
        using var target = BundledModels.LoadTarget();
        using var draft = BundledModels.LoadDraft();
        var rows = new List<VerifyCostMeasurement>();
        rows.AddRange(Measure("target", target));
        rows.AddRange(Measure("draft", draft));
        if (target.Medusa is { } heads)
        {
            using var hidden = zeros([1, target.Width], target.ParameterDtype);
            double step = rows.First(r => r is { Model: "target", Form: "step" }).MillisecondsPerCall;
            double ms = Median(() =>
            {
                using var scope = NewDisposeScope();
                target.MedusaLogits(hidden).to_type(ScalarType.Float64).cpu();
            });
            rows.Add(Row("target", $"medusa heads ({heads.Count})", 1, ms, step));
        }
        foreach (var row in rows)
            log.WriteLine($"{row.Model,-7} {row.Form,-20} {row.Nodes,3} nodes {row.MillisecondsPerCall,8:F3} ms  {row.StepsPerCall,6:F2} steps");
        return rows;
    }

    IEnumerable<VerifyCostMeasurement> Measure(string name, CausalLanguageModel model)
    {
        using var state = model.CreateState(1);
        var random = new Random(5);
        long[] Tokens(int n) => Enumerable.Range(0, n).Select(_ => (long)random.Next(model.VocabSize)).ToArray();
        using (var prompt = tensor(Tokens(32), [1, 32])) model.Prefill(prompt, state).Dispose();
        using var one = tensor(Tokens(1), [1, 1]);
        // A step advances the state: time it on a copy refreshed per call, and subtract the copy.
        double copy = Median(() => state.CopyRows([0]).Dispose());
        double step = Median(() =>
        {
            using var scratch = state.CopyRows([0]);
            model.Step(one, scratch).Dispose();
        }) - copy;
        yield return Row(name, "step", 1, step, step);
        foreach (int n in quick ? Sizes.Take(3) : Sizes)
        {
            using var tokens = tensor(Tokens(n), [1, n]);
            yield return Row(name, "chain verify", n, Median(() =>
            {
                var (logits, pending) = model.Verify(tokens, state);
                logits.Dispose();
                pending.Dispose();
            }), step);
            var tree = new CandidateTree(Enumerable.Range(0, n).Select(i => i == 0 ? -1 : (i - 1) / 2).ToArray());
            yield return Row(name, "tree verify (binary)", n, Median(() =>
            {
                var result = model.VerifyTree(tokens, state, [tree]);
                result.Logits.Dispose();
                result.Hidden?.Dispose();
                result.Pending.Dispose();
            }), step);
        }
    }

    static VerifyCostMeasurement Row(string model, string form, int nodes, double ms, double step) => new()
    {
        Model = model, Form = form, Nodes = nodes, MillisecondsPerCall = ms, StepsPerCall = ms / step,
        Machine = RunInfo.Machine, Commit = RunInfo.Commit,
    };

    double Median(Action call)
    {
        for (int i = 0; i < 5; i++) call();
        var times = new List<double>();
        for (int i = 0; i < Calls; i++)
        {
            var clock = Stopwatch.StartNew();
            call();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return Medians.Of(times);
    }
}
