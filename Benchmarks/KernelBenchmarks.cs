using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Benchmarks;

/// <summary>How long to measure.</summary>
/// <param name="DecodeSteps">Timed decode steps per row (after the warm-up steps).</param>
/// <param name="WarmupSteps">Untimed steps before timing.</param>
/// <param name="PrefillRepeats">Timed prefill calls per row.</param>
/// <param name="DecodeThreads">Torch threads while decoding (prefill uses every core).</param>
public sealed record KernelBenchmarkSettings(int DecodeSteps, int WarmupSteps, int PrefillRepeats, int DecodeThreads = 1)
{
    public static KernelBenchmarkSettings Full { get; } = new(300, 30, 5);

    public static KernelBenchmarkSettings Quick { get; } = new(60, 10, 2);
}

/// <summary>
/// Decode and prefill of one attention layer (d_model 512, 8 heads of 64, G = 64, K = 32, batch 1, float32, RoPE)
/// for each mixer, plus the floor of decoding: the layer's projections alone. Decode rows are the median
/// milliseconds of single Steps at a fixed context; prefill rows the median milliseconds of one Prefill call.
/// All rows of one context are measured in turn (round robin), so a slow moment of this shared machine hits
/// every row alike and the ratios between rows stay meaningful.
/// </summary>
public sealed class KernelBenchmarks(KernelBenchmarkSettings settings, TextWriter log)
{
    const int ModelDim = 512, Heads = 8, HeadDim = 64, GroupSize = 64, ConvTaps = 32;
    const int BlockLength = 10;
    public static readonly long[] DecodeContexts = [512, 2048, 8192, 16384];
    public static readonly long[] PrefillContexts = [1024, 4096, 16384];
    public static readonly string[] MixerNames = ["aug-linear", "linear-elu", "softmax-kv"];

    /// <summary>Decode-only row: the augmented mixer with its fused CPU step switched off (generic libtorch ops).</summary>
    const string Unfused = "aug-linear-unfused";

    public List<Measurement> Run()
    {
        var results = new List<Measurement>();
        using var _ = inference_mode();
        int cores = get_num_threads();
        // Batch-1 decode is a chain of tiny ops; on this shared 2-core machine a second OpenMP thread adds
        // wake-up jitter of about +-100 us per GEMV, so decode runs on one thread (recorded in every row).
        set_num_threads(settings.DecodeThreads);
        results.AddRange(Decode());
        set_num_threads(cores);
        foreach (long context in PrefillContexts)
            results.AddRange(Prefill(context));
        return results;
    }

    static TokenMixer CreateMixer(string name, long capacity)
    {
        var geometry = new MixerGeometry(Heads, HeadDim);
        var rotary = new RotaryEmbedding(HeadDim);
        TokenMixer mixer = name switch
        {
            "aug-linear" => new AugmentedLinearAttention(geometry, new AugmentedLinearAttentionOptions { GroupSize = GroupSize, ConvTaps = ConvTaps, AlphaInit = 0.5 }, rotary),
            "linear-elu" => new LinearAttention(geometry, new LinearAttentionOptions { FeatureMap = LinearFeatureMap.EluPlusOne }, rotary),
            "softmax-kv" => new SoftmaxAttention(geometry, rotary, initialCapacity: capacity),
            _ => throw new ArgumentException($"Unknown mixer '{name}'.", nameof(name)),
        };
        using (no_grad())
        {
            foreach (var (_, p) in mixer.named_parameters()) p.normal_(0, 0.05);
        }
        return mixer;
    }

    /// <summary>
    /// A layer for every mixer and context, each prefilled to its context, and the projections-only floor, all
    /// stepping in turn: every decode row of the run is measured side by side with every other.
    /// </summary>
    List<Measurement> Decode()
    {
        var generator = new Generator(42);
        var rows = new List<(string Mixer, long Context, long StateBytes, Func<Tensor> Step)>();
        var disposables = new List<IDisposable>();
        using var token = randn([1, 1, ModelDim], generator: generator);
        try
        {
            foreach (long context in DecodeContexts)
            {
                foreach (var mixerName in MixerNames.Append(Unfused))
                {
                    var mixer = CreateMixer(mixerName == Unfused ? "aug-linear" : mixerName, context + settings.WarmupSteps + settings.DecodeSteps);
                    if (mixerName == Unfused) ((AugmentedLinearAttention)mixer).UseFusedStep = false;
                    var layer = new AttentionLayer(ModelDim, mixer);
                    var state = layer.CreateState(1);
                    disposables.Add(layer);
                    disposables.Add(state);
                    using (NewDisposeScope())
                    {
                        layer.Prefill(randn([1, context, ModelDim], generator: generator), state);
                    }
                    rows.Add((mixerName, context, state.StateBytes, () => layer.Step(token, state)));
                }
            }
            // The floor: the same fused q/k/v and output matmuls, nothing else.
            var qkv = nn.Linear(ModelDim, 3 * Heads * HeadDim, hasBias: false);
            var output = nn.Linear(Heads * HeadDim, ModelDim, hasBias: false);
            disposables.Add(qkv);
            disposables.Add(output);
            rows.Add(("projections-only", 0, 0, () => output.forward(qkv.forward(token).narrow(2, 0, Heads * HeadDim))));

            var samples = RoundRobinTimer.Time(settings.WarmupSteps, settings.DecodeSteps, rows.Select(r => (Action)(() => r.Step())).ToList(), BlockLength);
            return rows.Select((r, i) => Report("decode", r.Mixer, r.Context, samples[i], "ms per token", r.StateBytes)).ToList();
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    /// <summary>One Prefill call of <paramref name="context"/> tokens into a fresh state, for each mixer in turn.</summary>
    List<Measurement> Prefill(long context)
    {
        var generator = new Generator(7);
        using var input = randn([1, context, ModelDim], generator: generator);
        var layers = MixerNames.Select(name => new AttentionLayer(ModelDim, CreateMixer(name, context))).ToList();
        try
        {
            var steps = layers.Select(layer => (Func<Tensor>)(() =>
            {
                using var state = layer.CreateState(1);
                return layer.Prefill(input, state);
            })).ToList();
            var samples = RoundRobinTimer.Time(warmup: 1, settings.PrefillRepeats, steps.Select(f => (Action)(() => f())).ToList(), blockLength: 1);
            return MixerNames.Select((name, i) => Report("prefill", name, context, samples[i], "ms per call", stateBytes: null)).ToList();
        }
        finally
        {
            foreach (var layer in layers) layer.Dispose();
        }
    }


    Measurement Report(string benchmark, string mixer, long context, List<double> samples, string unit, long? stateBytes)
    {
        var m = new Measurement
        {
            Benchmark = benchmark, Mixer = mixer, Context = context, Ms = Medians.Of(samples), Unit = unit,
            StateBytes = stateBytes, Samples = samples.Count, Threads = get_num_threads(), Machine = RunInfo.Machine, Commit = RunInfo.Commit,
        };
        log.WriteLine($"{benchmark,-8} {mixer,-18} {context,6} tokens  {m.Ms,9:F3} {unit}{(stateBytes is null ? "" : $"  state {stateBytes:N0} B")}");
        return m;
    }
}
