using LinearDsl.Runtime.Diagnostics;
namespace LinearDsl.Benchmarks;

/// <summary>The performance targets of the decode and prefill benchmarks (docs/benchmarks.md), as ratios of figures from one run.</summary>
public static class Targets
{
    public static List<TargetCheck> Check(IReadOnlyList<Measurement> results)
    {
        double Ms(string benchmark, string mixer, long context)
            => results.Single(r => r.Benchmark == benchmark && r.Mixer == mixer && r.Context == context).Ms;
        long Bytes(string mixer, long context)
            => results.Single(r => r.Benchmark == "decode" && r.Mixer == mixer && r.Context == context).StateBytes!.Value;

        var checks = new List<TargetCheck>();
        void AtMost(string target, double value, double limit) => checks.Add(new() { Target = target, Value = value, Limit = limit, Met = value <= limit, Machine = RunInfo.Machine, Commit = RunInfo.Commit });
        void AtLeast(string target, double value, double limit) => checks.Add(new() { Target = target, Value = value, Limit = limit, Met = value >= limit, Machine = RunInfo.Machine, Commit = RunInfo.Commit });

        AtMost("aug-linear decode at 16384 / at 512", Ms("decode", "aug-linear", 16384) / Ms("decode", "aug-linear", 512), 1.1);
        AtLeast("softmax-kv decode / aug-linear decode at 8192", Ms("decode", "softmax-kv", 8192) / Ms("decode", "aug-linear", 8192), 8);
        AtMost("aug-linear state / KV cache bytes at 8192", (double)Bytes("aug-linear", 8192) / Bytes("softmax-kv", 8192), 0.02);
        double slowest = KernelBenchmarks.DecodeContexts.Max(c => Ms("decode", "aug-linear", c));
        AtMost("aug-linear decode (slowest context) / projections-only", slowest / Ms("decode", "projections-only", 0), 1.5);
        AtLeast("softmax-kv prefill / aug-linear prefill at 16384", Ms("prefill", "softmax-kv", 16384) / Ms("prefill", "aug-linear", 16384), 3);
        return checks;
    }
}
