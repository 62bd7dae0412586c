using System.Diagnostics;
using System.Text.Json.Serialization;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Benchmarks;

/// <summary>The model of the generated benchmark: width 256, 4 layers, 4 heads, context 1024.</summary>
[CausalLM(VocabSize = 256, Dim = 256, Layers = 4, ContextLength = 1024, TiedEmbeddings = true)]
[RmsNorm, Rotary, SwiGlu(Hidden = 688)]
[LinearAttention(Heads = 4, GroupSize = 64, DWConv = true)]
public partial class GeneratedBenchmarkModel;

/// <summary>One figure of the generated benchmark.</summary>
public sealed record GeneratedMeasurement
{
    [JsonPropertyName("benchmark")] public required string Benchmark { get; init; }
    [JsonPropertyName("variant")] public required string Variant { get; init; }
    [JsonPropertyName("ms")] public double Ms { get; init; }
    [JsonPropertyName("unit")] public required string Unit { get; init; }
    [JsonPropertyName("native_calls_per_step")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? NativeCallsPerStep { get; init; }
    [JsonPropertyName("context")] public long Context { get; init; }
    [JsonPropertyName("batch")] public long Batch { get; init; }
    [JsonPropertyName("samples")] public int Samples { get; init; }
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("isa")] public string Isa { get; init; } = RunInfo.Isa;
    [JsonPropertyName("commit")] public required string Commit { get; init; }
}

/// <summary>
/// The generated model (its straight-line decode program attached) against the same model assembled from the
/// runtime's generic layers (<see cref="ModelFactory"/>, no program), with the same weights, side by side in one
/// run: Step at 1024 tokens of context and Forward over 1024 tokens, alternating rounds so that machine noise hits
/// both alike. "Native calls" are the libtorch calls that return a tensor (TorchSharp's count of tensors created).
/// </summary>
public sealed class GeneratedBenchmarks(bool quick, TextWriter log)
{
    const int Context = 1024;
    int Rounds => quick ? 3 : 7;
    int StepsPerRound => quick ? 64 : 128;
    int ForwardsPerRound => quick ? 1 : 3;

    public List<GeneratedMeasurement> Run()
    {
        set_num_threads(1);
        using var generated = GeneratedBenchmarkModel.Create(seed: 1);
        using var composed = ModelFactory.Create(GeneratedBenchmarkModel.Config, seed: 1);
        composed.UseDecodeProgram(null);   // Create attaches a program; this one runs the modules
        // The program built from the config at run time, to set against the generated one.
        using var runtime = ModelFactory.Create(GeneratedBenchmarkModel.Config, seed: 1);
        runtime.UseDecodeProgram(new ConfigDecodeProgram(GeneratedBenchmarkModel.Config));
        generated.eval();
        composed.eval();
        runtime.eval();
        using var prompt = randint(0, 256, [1, Context], dtype: ScalarType.Int64, generator: new torch.Generator(7));

        var results = new List<GeneratedMeasurement>();
        var (generatedStep, composedStep, generatedCalls, composedCalls) = MeasureSteps(generated, composed, prompt);
        results.Add(Row("step", "generated", generatedStep, "ms/token", generatedCalls, StepsPerRound * Rounds));
        results.Add(Row("step", "composed", composedStep, "ms/token", composedCalls, StepsPerRound * Rounds));
        var (runtimeStep, _, runtimeCalls, _) = MeasureSteps(runtime, composed, prompt);
        results.Add(Row("step", "runtime", runtimeStep, "ms/token", runtimeCalls, StepsPerRound * Rounds));
        var (generatedForward, composedForward) = MeasureForward(generated, composed, prompt);
        results.Add(Row("forward", "generated", generatedForward, "ms/call", null, ForwardsPerRound * Rounds));
        results.Add(Row("forward", "composed", composedForward, "ms/call", null, ForwardsPerRound * Rounds));
        log.WriteLine($"step: generated {generatedStep:F3} ms, composed {composedStep:F3} ms, ratio {generatedStep / composedStep:F2} (target <= 0.8); tensors per step {generatedCalls:F0} vs {composedCalls:F0}");
        log.WriteLine($"step: program built from the config at run time {runtimeStep:F3} ms, ratio to generated {runtimeStep / generatedStep:F2}");
        log.WriteLine($"forward [1, {Context}]: generated {generatedForward:F1} ms, composed {composedForward:F1} ms, ratio {generatedForward / composedForward:F2}");
        return results;
    }

    (double Generated, double Composed, double GeneratedCalls, double ComposedCalls) MeasureSteps(CausalLanguageModel generated, CausalLanguageModel composed, Tensor prompt)
    {
        using var generatedState = generated.CreateState(1);
        using var composedState = composed.CreateState(1);
        using var token = tensor(new long[] { 42 }, [1, 1]);
        using (var g = generated.Prefill(prompt, generatedState))
        using (var c = composed.Prefill(prompt, composedState))
        {
            // Same weights, same function: a benchmark of two different models would be meaningless.
            double gap = g.sub(c).abs().max().item<float>();
            if (gap > 1e-3) throw new InvalidOperationException($"The generated and composed models disagree after prefill (max |diff| {gap}).");
        }
        using (var g = generated.Step(token, generatedState))
        using (var c = composed.Step(token, composedState))
        {
            double gap = g.sub(c).abs().max().item<float>();
            if (gap > 1e-3) throw new InvalidOperationException($"The generated and composed steps disagree (max |diff| {gap}).");
        }
        double generatedCalls = TensorsPerStep(generated, token, generatedState);
        double composedCalls = TensorsPerStep(composed, token, composedState);

        var generatedTimes = new List<double>();
        var composedTimes = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            generatedTimes.Add(TimeSteps(generated, token, generatedState));
            composedTimes.Add(TimeSteps(composed, token, composedState));
        }
        return (Medians.Of(generatedTimes), Medians.Of(composedTimes), generatedCalls, composedCalls);
    }

    double TimeSteps(CausalLanguageModel model, Tensor token, ModelState state)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < StepsPerRound; i++) model.Step(token, state).Dispose();
        return clock.Elapsed.TotalMilliseconds / StepsPerRound;
    }

    static double TensorsPerStep(CausalLanguageModel model, Tensor token, ModelState state)
    {
        const int steps = 16;
        var statistics = DisposeScopeManager.Statistics;
        long before = statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        for (int i = 0; i < steps; i++) model.Step(token, state).Dispose();
        return (statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount - before) / (double)steps;
    }

    (double Generated, double Composed) MeasureForward(CausalLanguageModel generated, CausalLanguageModel composed, Tensor prompt)
    {
        using var noGrad = no_grad();
        var generatedTimes = new List<double>();
        var composedTimes = new List<double>();
        generated.Forward(prompt).Dispose();
        composed.Forward(prompt).Dispose();
        for (int round = 0; round < Rounds; round++)
        {
            generatedTimes.Add(TimeForward(generated, prompt));
            composedTimes.Add(TimeForward(composed, prompt));
        }
        return (Medians.Of(generatedTimes), Medians.Of(composedTimes));
    }

    double TimeForward(CausalLanguageModel model, Tensor tokens)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < ForwardsPerRound; i++) model.Forward(tokens).Dispose();
        return clock.Elapsed.TotalMilliseconds / ForwardsPerRound;
    }

    static GeneratedMeasurement Row(string benchmark, string variant, double ms, string unit, double? calls, int samples) => new()
    {
        Benchmark = benchmark, Variant = variant, Ms = ms, Unit = unit, NativeCallsPerStep = calls, Context = Context, Batch = 1,
        Samples = samples, Threads = get_num_threads(), Machine = RunInfo.Machine, Commit = RunInfo.Commit,
    };
}
