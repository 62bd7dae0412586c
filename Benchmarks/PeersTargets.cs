using LinearDsl.Runtime.Diagnostics;

namespace LinearDsl.Benchmarks;

/// <summary>
/// The targets of the peers benchmark (issue 15, item 6), as ratios of ms/token from one run, for every size measured.
/// A target whose rows were not measured (an engine, thread count or context left out) is left out too.
/// </summary>
public static class PeersTargets
{
    public static List<TargetCheck> Check(IReadOnlyList<PeersMeasurement> rows)
    {
        var checks = new List<TargetCheck>();
        double? Ms(string size, string engine, string model, string weights, int threads, long context)
            => rows.SingleOrDefault(r => r.Size == size && r.Engine == engine && r.Model == model && r.Weights == weights && r.Threads == threads && r.Context == context)?.MsPerToken;
        void AtMost(string target, double? numerator, double? denominator, double limit)
        {
            if (numerator is not { } n || denominator is not { } d) return;
            double value = n / d;
            checks.Add(new() { Target = target, Value = value, Limit = limit, Met = value <= limit, Machine = RunInfo.Machine, Commit = RunInfo.Commit });
        }

        foreach (var size in rows.Select(r => r.Size).Distinct())
        {
            var threads = rows.Where(r => r.Size == size).Select(r => r.Threads).Distinct().Order().ToArray();
            var contexts = rows.Where(r => r.Size == size).Select(r => r.Context).Distinct().Order().ToArray();
            int all = threads.Max();
            double? Augmented(string weights, int t, long c) => Ms(size, "lineardsl", "augmented", weights, t, c);
            double? Llama(string weights, int t, long c) => Ms(size, "llama.cpp", "softmax", weights, t, c);

            AtMost($"{size}: augmented f32 / llama.cpp f32, 1 thread, 512 tokens", Augmented("f32", 1, 512), Llama("f32", 1, 512), 0.6);
            AtMost($"{size}: augmented int8 / llama.cpp q8_0, 1 thread, 512 tokens", Augmented("int8", 1, 512), Llama("q8_0", 1, 512), 0.8);
            if (all > 1) AtMost($"{size}: augmented f32 / llama.cpp f32, {all} threads, 512 tokens", Augmented("f32", all, 512), Llama("f32", all, 512), 0.8);
            foreach (int t in threads)
            {
                AtMost($"{size}: augmented f32 / llama.cpp f32, {t} thread(s), 8192 tokens", Augmented("f32", t, 8192), Llama("f32", t, 8192), 0.2);
                AtMost($"{size}: augmented int8 / llama.cpp q8_0, {t} thread(s), 8192 tokens", Augmented("int8", t, 8192), Llama("q8_0", t, 8192), 0.2);
                foreach (long c in contexts)
                    AtMost($"{size}: lineardsl softmax f32 / llama.cpp f32, {t} thread(s), {c} tokens", Ms(size, "lineardsl", "softmax", "f32", t, c), Llama("f32", t, c), 1.0);
            }
        }
        return checks;
    }
}
