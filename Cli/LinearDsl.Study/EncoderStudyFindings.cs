using System.Globalization;
using System.Text.Json;

namespace LinearDsl.Study;

/// <summary>
/// Compares the encoder and seq2seq studies' measurements with the paper's claims about which attentions suit which
/// architecture. Every verdict is decided by the numbers its "measured" text states; nothing is written in advance.
/// </summary>
public static class EncoderStudyFindings
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Places that a variant must gain in the encoder over its decoder-only place to count as "works in encoders, fails in decoders".</summary>
    public const int RankGap = 2;

    /// <summary>The causal study's validation perplexity per variant, read from its study.json; null when the file is missing or unreadable.</summary>
    public static CausalStudyRanks? ReadCausalStudy(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var perplexity = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var variant in root.GetProperty("variants").EnumerateArray())
                perplexity[variant.GetProperty("key").GetString()!] = variant.GetProperty("validation").GetProperty("perplexity").GetDouble();
            string commit = root.TryGetProperty("commit", out var c) ? c.GetString() ?? "" : "";
            return new CausalStudyRanks { Path = StudyPaths.Shown(path), Commit = commit, Perplexity = perplexity };
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    /// <summary>The encoder study's findings.</summary>
    public static IReadOnlyList<StudyFinding> Encoders(IReadOnlyList<EncoderVariantReport> variants, CausalStudyRanks? causal)
    {
        var loss = variants.ToDictionary(v => v.Key, v => v.Validation.Loss);
        return
        [
            EncoderRanksDiffer("masked-LM", loss, causal),
            Bidirectionality("masked-LM loss over the masked positions", loss),
            CausalOnlyKind("masked-LM loss", loss, variants.Where(v => v.Bidirectional && v.Key != EncoderStudyVariants.Reference).Select(v => v.Key).ToArray()),
            SoftmaxLeads("an encoder (masked LM)", loss),
        ];
    }

    /// <summary>The seq2seq study's findings.</summary>
    public static IReadOnlyList<StudyFinding> Seq2Seq(IReadOnlyList<Seq2SeqVariantReport> variants, CausalStudyRanks? causal)
    {
        var loss = variants.ToDictionary(v => v.Key, v => v.Validation.Loss);
        return
        [
            EncoderRanksDiffer("span-corruption", loss, causal),
            Bidirectionality("span-corruption validation loss", loss),
            SoftmaxLeads("an encoder-decoder (span corruption)", loss),
            LinearCrossAttentionConstant(variants),
            SpeculationIsExact(variants),
        ];
    }

    /// <summary>
    /// The paper's first finding: for the variants both runs measured, each one's place by validation loss here and its
    /// place by validation perplexity in the decoder-only study; a variant that is at least <see cref="RankGap"/> places
    /// better here than there "works well here and fails in the decoder".
    /// </summary>
    public static StudyFinding EncoderRanksDiffer(string task, IReadOnlyDictionary<string, double> loss, CausalStudyRanks? causal)
    {
        const string claim = "Attentions that work well in encoders can fail in decoders (the paper's first finding): a variant's place among the attentions in an encoder is not its place in a decoder-only model.";
        if (causal is null) return NotMeasured(claim, "the causal study's report (docs/results/study/study.json) was not found");
        var common = loss.Keys.Where(causal.Perplexity.ContainsKey).Where(k => !EncoderStudyVariants.CausalEncoders.Contains(k)).ToArray();
        if (common.Length < 3) return NotMeasured(claim, $"only {common.Length} variants were measured in both this run and the causal study (need 3)");
        var here = Ranks(common.ToDictionary(k => k, k => loss[k]));
        var there = Ranks(common.ToDictionary(k => k, k => causal.Perplexity[k]));
        var moves = common.Select(k => (Key: k, Gain: there[k] - here[k])).OrderByDescending(m => m.Gain).ToArray();
        int best = moves[0].Gain;
        string places = string.Join(", ", common.OrderBy(k => here[k]).Select(k => $"{k} {here[k]} (decoder {there[k]})"));
        var risers = moves.Where(m => m.Gain >= RankGap).Select(m => m.Key).ToArray();
        string measured = $"places among {common.Length} attentions by {task} loss here, decoder-only study's place in brackets: {places}; "
            + (risers.Length > 0 ? $"{string.Join(", ", risers)} rank{(risers.Length == 1 ? "s" : "")} at least {RankGap} places better here than in the decoder"
                : best > 0 ? $"the largest gain is {best} place ({moves[0].Key}), under the {RankGap} places that count" : "no variant ranks better here than in the decoder")
            + " (one seed; small differences may not repeat).";
        var verdict = risers.Length > 0 ? FindingVerdict.Agrees : best > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = verdict };
    }

    static StudyFinding Bidirectionality(string what, Dictionary<string, double> loss)
    {
        const string claim = "In an encoder, bidirectional attention is correct rather than a leak, and it helps: bidirectional softmax beats causal softmax.";
        if (!loss.TryGetValue(EncoderStudyVariants.Reference, out double both) || !loss.TryGetValue(EncoderStudyVariants.CausalSoftmax, out double causal))
            return NotMeasured(claim, "softmax or softmax-causal was left out of this run");
        double difference = both - causal;
        string measured = $"{what}: bidirectional {Num(both)}, causal {Num(causal)} nats ({Signed(difference)}), so bidirectionality "
            + (difference < 0 ? "lowers it." : "does not lower it.");
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = difference < 0 ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding CausalOnlyKind(string what, Dictionary<string, double> loss, string[] bidirectional)
    {
        const string claim = "A causal-only kind run causally in an encoder wastes context: it trails the bidirectional linear attentions.";
        if (!loss.TryGetValue(EncoderStudyVariants.CausalOnly, out double causal) || bidirectional.Length == 0)
            return NotMeasured(claim, "the causal-only kind or every bidirectional linear attention was left out of this run");
        var beaten = bidirectional.Where(k => loss[k] < causal).ToArray();
        string measured = $"{what}: {EncoderStudyVariants.CausalOnly} {Num(causal)}; lower for {beaten.Length} of {bidirectional.Length} bidirectional linear variants"
            + (beaten.Length > 0 ? $" ({string.Join(", ", beaten)})" : "") + ".";
        var verdict = beaten.Length == bidirectional.Length ? FindingVerdict.Agrees : beaten.Length > 0 ? FindingVerdict.PartlyAgrees : FindingVerdict.Disagrees;
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = verdict };
    }

    static StudyFinding SoftmaxLeads(string where, Dictionary<string, double> loss)
    {
        string claim = $"Softmax attention is the quality to beat in {where}: no linear attention reaches its validation loss.";
        if (!loss.TryGetValue(EncoderStudyVariants.Reference, out double softmax)) return NotMeasured(claim, "softmax was left out of this run");
        var linear = loss.Where(p => p.Key != EncoderStudyVariants.Reference && p.Key != EncoderStudyVariants.CausalSoftmax).ToArray();
        if (linear.Length == 0) return NotMeasured(claim, "every linear attention was left out of this run");
        var better = linear.Where(p => p.Value < softmax).Select(p => p.Key).ToArray();
        var closest = linear.OrderBy(p => p.Value).First();
        string measured = $"softmax {Num(softmax)} nats; the best linear attention, {closest.Key}, {Num(closest.Value)} ({Signed(closest.Value - softmax)}); "
            + (better.Length == 0 ? "none is lower." : $"lower: {string.Join(", ", better)}.");
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = better.Length == 0 ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding LinearCrossAttentionConstant(IReadOnlyList<Seq2SeqVariantReport> variants)
    {
        const string claim = "Linear cross-attention keeps the encoder's sum of phi(k) v^T: a decoder state whose size does not grow with the source, where softmax cross-attention keeps every key and value.";
        var linear = variants.Where(v => v.CrossAttention.StartsWith("linear", StringComparison.Ordinal)).ToArray();
        var softmax = variants.Where(v => v.CrossAttention == "softmax").ToArray();
        if (linear.Length == 0 || softmax.Length == 0 || variants.Any(v => v.MemoryBytes.Count < 2)) return NotMeasured(claim, "linear or softmax cross-attention was left out of this run");
        bool constant = linear.All(v => v.MemoryBytes[0] == v.MemoryBytes[1]);
        bool grows = softmax.All(v => v.MemoryBytes[1] > v.MemoryBytes[0]);
        string measured = "encoder memory for a source of half and of full length: "
            + string.Join(", ", variants.Select(v => $"{v.Key} {StudyFindings.Bytes(v.MemoryBytes[0])} -> {StudyFindings.Bytes(v.MemoryBytes[1])}")) + ".";
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = constant && grows ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    static StudyFinding SpeculationIsExact(IReadOnlyList<Seq2SeqVariantReport> variants)
    {
        const string claim = "Greedy speculative decoding with a small seq2seq draft gives exactly the tokens of plain greedy decoding.";
        var checkedOnes = variants.Where(v => v.Speculative.Examples > 0).ToArray();
        if (checkedOnes.Length == 0) return NotMeasured(claim, "no example was decoded");
        var different = checkedOnes.Where(v => !v.Speculative.Identical).Select(v => v.Key).ToArray();
        string measured = $"{checkedOnes.Length} variants x {checkedOnes[0].Speculative.Examples} examples: "
            + (different.Length == 0 ? "identical for every one" : $"different for {string.Join(", ", different)}")
            + $"; acceptance {string.Join(", ", checkedOnes.Select(v => $"{v.Key} {v.Speculative.AcceptanceRate.ToString("P0", Invariant)}"))}.";
        return new StudyFinding { Claim = claim, Measured = measured, Verdict = different.Length == 0 ? FindingVerdict.Agrees : FindingVerdict.Disagrees };
    }

    /// <summary>Places 1..n by ascending value (ties share the better place).</summary>
    public static Dictionary<string, int> Ranks(IReadOnlyDictionary<string, double> values)
        => values.ToDictionary(p => p.Key, p => 1 + values.Count(o => o.Value < p.Value));

    static StudyFinding NotMeasured(string claim, string why) => new() { Claim = claim, Measured = $"not measured: {why}.", Verdict = FindingVerdict.NotMeasured };

    static string Num(double value) => value.ToString("F4", Invariant);

    static string Signed(double value) => value.ToString("+0.0000;-0.0000;0.0000", Invariant);
}
