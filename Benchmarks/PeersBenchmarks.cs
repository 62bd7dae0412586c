using System.Diagnostics;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Fused;
using TorchSharp;

namespace LinearDsl.Benchmarks;

/// <summary>One figure of the peers benchmark: one engine, model, weight type, thread count, size and context.</summary>
public sealed record PeersMeasurement
{
    [JsonPropertyName("benchmark")] public string Benchmark { get; init; } = "peers";
    [JsonPropertyName("engine")] public required string Engine { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("weights")] public required string Weights { get; init; }
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("size")] public required string Size { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("context")] public long Context { get; init; }
    /// <summary>Median of the timed decode steps, the first taken at <see cref="Context"/> tokens.</summary>
    [JsonPropertyName("ms_per_token")] public double MsPerToken { get; init; }
    /// <summary>Prefill of the tokens that took the sequence from the previous context's end to this one (from 0 for the first), on every core.</summary>
    [JsonPropertyName("prefill_ms")] public double PrefillMs { get; init; }
    [JsonPropertyName("prefill_tokens")] public long PrefillTokens { get; init; }
    /// <summary>Sum of the prefills up to this context (every token before it except the few decoded at earlier contexts).</summary>
    [JsonPropertyName("prefill_total_ms")] public double PrefillTotalMs { get; init; }
    /// <summary>Bytes of the sequence's state at <see cref="Context"/>: llama.cpp's sequence state (its KV cache), LinearDsl's state.</summary>
    [JsonPropertyName("state_bytes")] public long StateBytes { get; init; }
    [JsonPropertyName("samples")] public int Samples { get; init; }
    /// <summary>llama.cpp rows only: whether flash attention was on (it is a per-context setting, off for prefill and decode alike).</summary>
    [JsonPropertyName("flash_attention")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? FlashAttention { get; init; }
    [JsonPropertyName("machine")] public string Machine { get; init; } = RunInfo.Machine;
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public string Commit { get; init; } = RunInfo.Commit;
}

/// <summary>
/// llama.cpp (LLamaSharp's CPU backend, on GGUF files exported from a LinearDsl softmax checkpoint) and LinearDsl
/// (softmax and augmented models) at the same dimensions in one run. For each size, every engine holds one sequence
/// that grows context by context: each is prefilled (on every core) up to the next context with the same tokens, then
/// the engines take turns, round by round, at decoding a few tokens on each thread count, so a slow moment of a
/// shared machine falls on all of them alike. A row's ms/token is the median of its timed steps. Before any of
/// that, a throwaway engine of each variant runs a short sequence twice (pausing in between), so that the .NET JIT
/// has compiled LinearDsl's hot paths fully optimised before the first timed token.
/// </summary>
public sealed class PeersBenchmarks(PeersSettings settings, TextWriter log)
{
    public (List<PeersMeasurement> Rows, List<TargetCheck> Targets) Run()
    {
        var rows = new List<PeersMeasurement>();
        // The LinearDsl engines set the process's decode and torch threads; give them back as they were.
        int decodeThreads = FusedDecoding.Threads, torchThreads = torch.get_num_threads();
        try
        {
            foreach (var size in settings.Sizes) rows.AddRange(RunSize(size));
        }
        finally
        {
            FusedDecoding.Threads = decodeThreads;
            torch.set_num_threads(torchThreads);
        }
        var targets = PeersTargets.Check(rows);
        log.WriteLine();
        foreach (var t in targets) log.WriteLine($"{(t.Met ? "met   " : "MISSED")} {t.Target}: {t.Value:G4} (limit {t.Limit})");
        return (rows, targets);
    }

    List<PeersMeasurement> RunSize(string size)
    {
        var contexts = settings.ContextsFor(size);
        var variants = PeersVariants.All.Where(v => settings.Engines.Any(v.Matches)).ToList();
        log.WriteLine($"size {size}: contexts {string.Join(", ", contexts)}; threads {string.Join(", ", settings.Threads)}; {string.Join(", ", variants.Select(v => v.Id))}");
        using var models = new PeersModels(size, settings.LongestSequence(size));
        var engines = new List<IPeerEngine>();
        try
        {
            var random = new Random(7);
            foreach (var variant in variants) Warm(variant, models, random);
            foreach (var variant in variants) engines.Add(variant.Create(models));
            var totals = new double[engines.Count];
            var rows = new List<PeersMeasurement>();
            foreach (long context in contexts)
            {
                long position = engines[0].Position;
                var tokens = Enumerable.Range(0, (int)(context - position)).Select(_ => (long)random.Next(256)).ToArray();
                var prefill = new double[engines.Count];
                var bytes = new long[engines.Count];
                for (int e = 0; e < engines.Count; e++)
                {
                    var watch = Stopwatch.StartNew();
                    engines[e].Extend(tokens);
                    prefill[e] = watch.Elapsed.TotalMilliseconds;
                    totals[e] += prefill[e];
                    bytes[e] = engines[e].StateBytes;
                    if (engines[e].Position != context)
                        throw new InvalidOperationException($"{variants[e].Id} holds {engines[e].Position} tokens after its prefill, not {context}.");
                }
                var samples = Decode(engines, random);
                for (int e = 0; e < engines.Count; e++)
                {
                    for (int t = 0; t < settings.Threads.Count; t++)
                    {
                        var row = new PeersMeasurement
                        {
                            Engine = engines[e].Engine,
                            Model = engines[e].Model,
                            Weights = engines[e].Weights,
                            Threads = settings.Threads[t],
                            Size = size,
                            Parameters = models.Parameters,
                            Context = context,
                            MsPerToken = Medians.Of(samples[e, t]),
                            PrefillMs = prefill[e],
                            PrefillTokens = tokens.Length,
                            PrefillTotalMs = totals[e],
                            StateBytes = bytes[e],
                            Samples = samples[e, t].Count,
                            FlashAttention = engines[e] is LlamaCppEngine ? false : null,
                        };
                        rows.Add(row);
                        log.WriteLine($"{size,-8} {context,6} {variants[e].Id,-26} {row.Threads,2} threads: {row.MsPerToken,9:F3} ms/token, prefill {row.PrefillMs,10:F1} ms ({row.PrefillTokens} tokens), state {row.StateBytes:N0} bytes");
                    }
                }
            }
            return rows;
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }

    /// <summary>
    /// A short sequence on a throwaway engine: two prefill blocks (LinearDsl's first on a fresh state, the second
    /// continuing it), then two passes of decode steps on every thread count with a pause after each, in which tiered
    /// compilation replaces the methods that ran often with their optimised code.
    /// </summary>
    void Warm(PeersVariant variant, PeersModels models, Random random)
    {
        using var engine = variant.Create(models);
        for (int block = 0; block < 2; block++)
            engine.Extend(Enumerable.Range(0, PeersSettings.WarmupPrefill / 2).Select(_ => (long)random.Next(256)).ToArray());
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (int threads in settings.Threads)
                for (int s = 0; s < settings.WarmupDecode; s++) engine.DecodeToken(random.Next(256), threads);
            if (!settings.Quick) Thread.Sleep(250);
        }
    }

    /// <summary>Per engine and thread count, the milliseconds of each timed decode step; every engine takes the same tokens.</summary>
    List<double>[,] Decode(List<IPeerEngine> engines, Random random)
    {
        var samples = new List<double>[engines.Count, settings.Threads.Count];
        for (int e = 0; e < engines.Count; e++)
            for (int t = 0; t < settings.Threads.Count; t++) samples[e, t] = [];
        for (int round = 0; round < settings.Rounds; round++)
        {
            var tokens = Enumerable.Range(0, settings.Threads.Count * (settings.StepsPerRound + (round == 0 ? settings.WarmupSteps : 0))).Select(_ => (long)random.Next(256)).ToArray();
            for (int e = 0; e < engines.Count; e++)
            {
                int next = 0;
                for (int t = 0; t < settings.Threads.Count; t++)
                {
                    int threads = settings.Threads[t];
                    for (int w = 0; round == 0 && w < settings.WarmupSteps; w++) engines[e].DecodeToken(tokens[next++], threads);
                    for (int s = 0; s < settings.StepsPerRound; s++)
                    {
                        var watch = Stopwatch.StartNew();
                        engines[e].DecodeToken(tokens[next++], threads);
                        samples[e, t].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }
        }
        return samples;
    }
}
