using System.Diagnostics;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Study;

/// <summary>Greedy speculative decoding of one variant with the fixed draft, against plain greedy decoding of the same request.</summary>
/// <param name="DraftTokens">Tokens the draft proposes per round (m).</param>
/// <param name="PromptTokens">Prompt length.</param>
/// <param name="NewTokens">Tokens generated per run.</param>
/// <param name="Runs">Timed runs of each decoder (after one warm-up run each), alternating.</param>
/// <param name="AcceptanceRate">Accepted / drafted tokens (deterministic for greedy decoding).</param>
/// <param name="TokensPerTargetCall">Tokens emitted per target Verify.</param>
/// <param name="PlainTokensPerSecond">Median of the plain runs (prompt prefill included).</param>
/// <param name="SpeculativeTokensPerSecond">Median of the speculative runs (prompt prefill of both models included).</param>
/// <param name="Identical">True when every speculative run produced exactly the plain run's tokens.</param>
public sealed record SpeculativeComparison(
    [property: JsonPropertyName("draft_tokens")] int DraftTokens,
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("new_tokens")] int NewTokens,
    [property: JsonPropertyName("runs")] int Runs,
    [property: JsonPropertyName("acceptance_rate")] double AcceptanceRate,
    [property: JsonPropertyName("tokens_per_target_call")] double TokensPerTargetCall,
    [property: JsonPropertyName("plain_tokens_per_second")] double PlainTokensPerSecond,
    [property: JsonPropertyName("speculative_tokens_per_second")] double SpeculativeTokensPerSecond,
    [property: JsonPropertyName("identical")] bool Identical)
{
    /// <summary>Speculative over plain tokens per second.</summary>
    [JsonPropertyName("speed_up")] public double SpeedUp => PlainTokensPerSecond > 0 ? SpeculativeTokensPerSecond / PlainTokensPerSecond : double.NaN;

    /// <summary>One warm-up run of each decoder, then <paramref name="runs"/> timed runs of each, alternating.</summary>
    public static SpeculativeComparison Measure(CausalLanguageModel target, CausalLanguageModel draft, IReadOnlyList<long> prompt, int newTokens,
        int draftTokens, int runs)
    {
        var options = new GenerationOptions { MaxNewTokens = newTokens, Sampling = SamplingOptions.Greedy };
        var plain = new PlainDecoder(target);
        var speculative = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = draftTokens, MaxDraftTokens = Math.Max(8, draftTokens) });
        var warm = options with { MaxNewTokens = Math.Min(newTokens, 16) };
        Run(plain, prompt, warm);
        Run(speculative, prompt, warm);

        var plainRates = new List<double>();
        var speculativeRates = new List<double>();
        IReadOnlyList<long>? reference = null;
        bool identical = true;
        DecodingStatistics? statistics = null;
        for (int run = 0; run < runs; run++)
        {
            var (plainTokens, plainRate, _) = Run(plain, prompt, options);
            reference ??= plainTokens;
            identical &= plainTokens.SequenceEqual(reference);
            plainRates.Add(plainRate);
            var (speculativeTokens, speculativeRate, stats) = Run(speculative, prompt, options);
            identical &= speculativeTokens.SequenceEqual(reference);
            speculativeRates.Add(speculativeRate);
            statistics = stats;
        }
        return new SpeculativeComparison(draftTokens, prompt.Count, newTokens, runs, statistics!.AcceptanceRate, statistics.MeanAcceptedLength,
            Medians.Of(plainRates), Medians.Of(speculativeRates), identical);
    }

    /// <summary>Median tokens/s of plain greedy decoding of <paramref name="model"/> alone (one warm-up run, then <paramref name="runs"/>).</summary>
    public static double MeasurePlain(CausalLanguageModel model, IReadOnlyList<long> prompt, int newTokens, int runs)
    {
        var options = new GenerationOptions { MaxNewTokens = newTokens, Sampling = SamplingOptions.Greedy };
        var plain = new PlainDecoder(model);
        Run(plain, prompt, options with { MaxNewTokens = Math.Min(newTokens, 16) });
        return Medians.Of(Enumerable.Range(0, runs).Select(_ => Run(plain, prompt, options).TokensPerSecond).ToArray());
    }

    static (IReadOnlyList<long> Tokens, double TokensPerSecond, DecodingStatistics Statistics) Run(ITokenDecoder decoder, IReadOnlyList<long> prompt, GenerationOptions options)
    {
        var clock = Stopwatch.StartNew();
        using var session = decoder.Start([prompt], options);
        session.RunToEnd();
        double seconds = clock.Elapsed.TotalSeconds;
        var tokens = session.Generated[0].ToArray();
        return (tokens, tokens.Length / Math.Max(seconds, 1e-9), session.Statistics);
    }
}
