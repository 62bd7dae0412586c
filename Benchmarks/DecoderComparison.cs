using System.Diagnostics;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Diagnostics;

namespace LinearDsl.Benchmarks;

/// <summary>One decoder of a side-by-side comparison: its row name, its draft, its draft shape and the decoder.</summary>
public sealed record ComparedDecoder(string Mode, string Draft, string Shape, ITokenDecoder Decoder);

/// <summary>
/// Times decoders side by side on one prompt, interleaved so that drift on the machine hits every row alike (the
/// first pass warms up and is not counted), and reports each against the first row, which is plain decoding.
/// </summary>
public static class DecoderComparison
{
    public static List<SpeculativeMeasurement> Run(IReadOnlyList<ComparedDecoder> decoders, long[] prompt, GenerationOptions options, int repeats)
    {
        int newTokens = options.MaxNewTokens;
        var seconds = decoders.Select(_ => new List<double>()).ToArray();
        var outputs = new IReadOnlyList<long>[decoders.Count];
        var statistics = new DecodingStatistics[decoders.Count];
        for (int repeat = 0; repeat < repeats + 1; repeat++)
        {
            for (int i = 0; i < decoders.Count; i++)
            {
                var clock = Stopwatch.StartNew();
                using var session = decoders[i].Decoder.Start([prompt], options);
                session.RunToEnd();
                if (repeat > 0) seconds[i].Add(clock.Elapsed.TotalSeconds);
                outputs[i] = session.Generated[0];
                statistics[i] = session.Statistics;
            }
        }
        double plainRate = newTokens / Medians.Of(seconds[0]);
        return decoders.Select((decoder, i) =>
        {
            double rate = newTokens / Medians.Of(seconds[i]);
            return new SpeculativeMeasurement
            {
                Mode = decoder.Mode, Draft = decoder.Draft, DraftTokens = decoder.Shape, TokensPerSecond = rate,
                AcceptanceRate = statistics[i].AcceptanceRate, TokensPerTargetCall = statistics[i].MeanAcceptedLength,
                Speedup = rate / plainRate, Identical = outputs[i].SequenceEqual(outputs[0]), Tokens = newTokens, Repeats = repeats,
                NodesPerTargetCall = statistics[i].TargetCalls == 0 ? 0 : (double)statistics[i].DraftedTokens / statistics[i].TargetCalls,
                DraftCallsPerTargetCall = statistics[i].TargetCalls == 0 ? 0 : (double)statistics[i].DraftCalls / statistics[i].TargetCalls,
                Machine = RunInfo.Machine, Commit = RunInfo.Commit,
            };
        }).ToList();
    }
}
