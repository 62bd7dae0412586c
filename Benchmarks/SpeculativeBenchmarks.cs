using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Benchmarks;

/// <summary>One decoding mode measured against plain greedy decoding of the same target.</summary>
public sealed record SpeculativeMeasurement
{
    [SuppressMessage("Performance", "CA1822", Justification = "An instance property, so that System.Text.Json writes it into every row.")]
    [JsonPropertyName("benchmark")] public string Benchmark => "speculative";
    [JsonPropertyName("mode")] public required string Mode { get; init; }
    [JsonPropertyName("draft")] public required string Draft { get; init; }
    [JsonPropertyName("draft_tokens")] public required string DraftTokens { get; init; }
    [JsonPropertyName("tokens_per_s")] public double TokensPerSecond { get; init; }
    [JsonPropertyName("acceptance_rate")] public double AcceptanceRate { get; init; }
    [JsonPropertyName("tokens_per_target_call")] public double TokensPerTargetCall { get; init; }
    [JsonPropertyName("speedup")] public double Speedup { get; init; }
    [JsonPropertyName("identical")] public bool Identical { get; init; }
    [JsonPropertyName("tokens")] public int Tokens { get; init; }
    [JsonPropertyName("repeats")] public int Repeats { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public required string Commit { get; init; }
    /// <summary>Draft-model calls per target call (0 without a draft): the share of a round the draft spends.</summary>
    /// <summary>Candidate tokens (chain length or tree nodes) per target call: what each verification checks.</summary>
    [JsonPropertyName("nodes_per_target_call")] public double NodesPerTargetCall { get; init; }
    [JsonPropertyName("draft_calls_per_target_call")] public double DraftCallsPerTargetCall { get; init; }
    /// <summary>Threads of the decode programs (FusedDecoding.Threads) while measured.</summary>
    [JsonPropertyName("decode_threads")] public int DecodeThreads { get; init; } = Runtime.Fused.FusedDecoding.Threads;
    /// <summary>The 1-minute load average when the row was written (/proc/loadavg; -1 elsewhere): other work on the machine.</summary>
    [JsonPropertyName("load_average")] public double LoadAverage { get; init; } = LoadAverages.OneMinute();
}

/// <summary>The machine's 1-minute load average from /proc/loadavg, or -1 where there is none.</summary>
public static class LoadAverages
{
    public static double OneMinute()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }
}

/// <summary>
/// Plain and speculative greedy decoding of one target side by side (every mode in turn, medians of the repeats).
/// Until trained models exist, the pair is synthetic with a known, tunable agreement: the target's layers after
/// the first write into the residual stream through output projections scaled by <see cref="LateLayerScale"/>, and
/// the draft is the target's first layer with the target's own embedding, final norm and head (weights copied).
/// The target as its own draft is the sanity row (acceptance 1, speed-up below 1: m extra target-sized calls).
/// </summary>
public sealed class SpeculativeBenchmarks(bool quick, TextWriter log)
{
    const int Vocab = 256, Width = 256, TargetLayers = 8, DraftLayers = 1, Heads = 4, PromptLength = 32;
    const double LateLayerScale = 0.05;
    int NewTokens => quick ? 48 : 128;
    int Repeats => quick ? 1 : 3;

    public List<SpeculativeMeasurement> Run()
    {
        using var _ = inference_mode();
        set_num_threads(1);
        using var target = ModelFactory.Create(Config(TargetLayers), seed: 1);
        QuietLateLayers(target);
        using var draft = TruncatedCopy(target, DraftLayers);
        var prompt = new long[PromptLength];
        var random = new Random(3);
        for (int i = 0; i < prompt.Length; i++) prompt[i] = random.Next(Vocab);
        var options = new GenerationOptions { MaxNewTokens = NewTokens, Sampling = SamplingOptions.Greedy };

        var modes = new List<ComparedDecoder> { new("plain", "none", "0", new PlainDecoder(target)) };
        foreach (int m in new[] { 1, 2, 4, 8 })
            modes.Add(new($"speculative m={m}", "first layer", m.ToString(System.Globalization.CultureInfo.InvariantCulture), new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = m })));
        modes.Add(new("speculative adaptive", "first layer", "adaptive 1..8", new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 4, Adaptive = true })));
        modes.Add(new("speculative m=4, self-draft", "target itself", "4", new SpeculativeDecoder(target, target, new SpeculationOptions { DraftTokens = 4 })));

        var rows = DecoderComparison.Run(modes, prompt, options, Repeats);
        foreach (var row in rows)
            log.WriteLine($"{row.Mode,-28} {row.TokensPerSecond,8:F1} tokens/s  acceptance {row.AcceptanceRate,6:P1}  {row.TokensPerTargetCall,5:F2} tokens/call  speed-up {row.Speedup,5:F2}  identical {row.Identical}");
        return rows;
    }

    static ModelConfig Config(int layers) => new()
    {
        VocabSize = Vocab, Width = Width, Layers = layers, ContextLength = 1024, MlpHidden = 688,
        Mixer = MixerSpec.AugmentedLinear(Heads, new AugmentedLinearAttentionOptions { GroupSize = 64, ConvTaps = 32, AlphaInit = 0.5 }),
    };

    /// <summary>Scales the output projections (attention and MLP) of every layer after the first.</summary>
    static void QuietLateLayers(CausalLanguageModel target)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in target.named_parameters())
        {
            bool late = !name.StartsWith("model.layers.0.", StringComparison.Ordinal) && name.StartsWith("model.layers.", StringComparison.Ordinal);
            if (late && (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal)))
                parameter.mul_(LateLayerScale);
        }
    }

    /// <summary>A model with the target's first layers, embedding, final norm and head (same parameter names, copied).</summary>
    static CausalLanguageModel TruncatedCopy(CausalLanguageModel target, int layers)
    {
        var draft = ModelFactory.Create(Config(layers), seed: 2);
        var source = target.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var _ = no_grad();
        foreach (var (name, parameter) in draft.named_parameters()) parameter.copy_(source[name]);
        return draft;
    }
}
