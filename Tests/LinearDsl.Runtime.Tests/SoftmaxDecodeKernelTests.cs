using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// The managed softmax kernel over the KV cache (<see cref="SoftmaxDecodeKernel"/>, reached by
/// SoftmaxAttention.TryStepRows and TryVerifyRows from the rows of a fused projection) against the tensor Step and
/// Verify of the same mixer: outputs and every cache slot within 1e-12 in float64 for rows at different positions,
/// with and without rotary embedding (whole and partial), grouped-query heads, a cache that grows from two slots, at
/// every vector width; bit-identical on 2, 3 and 4 threads; no tensor created per step.
/// Runs in the multicore collection, so that no other test holds the shared worker pool while it counts splits.
/// </summary>
[Collection(nameof(FusedMulticoreTests))]
public sealed class SoftmaxDecodeKernelTests
{
    const double Tolerance = 1e-12;
    const int HeadDim = 6;

    public static TheoryData<string> Layouts() => new() { "mha", "rope-gqa", "partial-rope", "grow-gqa", "one-kv-head" };

    static SoftmaxAttention Create(string layout) => layout switch
    {
        "mha" => new SoftmaxAttention(new MixerGeometry(2, HeadDim), initialCapacity: 64),
        "rope-gqa" => new SoftmaxAttention(new MixerGeometry(4, HeadDim, 2), new RotaryEmbedding(HeadDim, theta: 100), initialCapacity: 64),
        "partial-rope" => new SoftmaxAttention(new MixerGeometry(2, HeadDim), new RotaryEmbedding(HeadDim, theta: 100, rotaryDim: 4), initialCapacity: 64),
        "grow-gqa" => new SoftmaxAttention(new MixerGeometry(4, HeadDim, 2), new RotaryEmbedding(HeadDim, theta: 100), initialCapacity: 2),
        "one-kv-head" => new SoftmaxAttention(new MixerGeometry(3, HeadDim, 1), new RotaryEmbedding(HeadDim, theta: 100), initialCapacity: 5),
        _ => throw new ArgumentOutOfRangeException(nameof(layout)),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Steps_and_verifications_equal_the_tensor_forms_for_rows_at_different_positions(string layout)
    {
        using var scope = NewDisposeScope();
        using var mixer = Create(layout);
        var trace = Drive(mixer, ScalarType.Float64, seed: 3);
        trace.Reference.Select(t => t.abs().max().item<double>()).Max().Should().BeGreaterThan(0.3, "outputs of order one make the tolerance meaningful");
        for (int i = 0; i < trace.Kernel.Count; i++)
            Forms.MaxAbsDiff(trace.Kernel[i], trace.Reference[i]).Should().BeLessThan(Tolerance, $"output {i} ({trace.Labels[i]})");
        trace.KernelState.Positions.Should().Equal(trace.ReferenceState.Positions);
        trace.KernelState.Capacity.Should().Be(trace.ReferenceState.Capacity);
        foreach (var (name, value) in trace.ReferenceState.Tensors)
            Forms.MaxAbsDiff(trace.KernelState.Tensors[name], value).Should().BeLessThan(Tolerance, $"cache {name}");
        trace.KernelState.Dispose();
        trace.ReferenceState.Dispose();
    }

    public static TheoryData<VectorWidth, bool> WidthCases()
    {
        var data = new TheoryData<VectorWidth, bool>();
        foreach (var width in KernelWidths.Available())
            foreach (bool float32 in new[] { false, true }) data.Add(width, float32);
        return data;
    }

    [Theory]
    [MemberData(nameof(WidthCases))]
    public void Every_vector_width_computes_the_tensor_forms(VectorWidth width, bool float32)
    {
        using var forced = FusedIsa.Force(width);
        using var scope = NewDisposeScope();
        using var mixer = Create("rope-gqa");
        var trace = Drive(mixer, float32 ? ScalarType.Float32 : ScalarType.Float64, seed: 5);
        for (int i = 0; i < trace.Kernel.Count; i++)
            Forms.MaxAbsDiff(trace.Kernel[i], trace.Reference[i]).Should().BeLessThan(float32 ? 1e-5 : Tolerance, $"output {i} ({trace.Labels[i]}) at {width}");
        trace.KernelState.Dispose();
        trace.ReferenceState.Dispose();
    }

    [Theory]
    [MemberData(nameof(WidthCases))]
    public void Two_three_and_four_threads_give_the_bits_of_one(VectorWidth width, bool float32)
    {
        using var forced = FusedIsa.Force(width);
        using var scope = NewDisposeScope();
        using var mixer = Create("one-kv-head");
        using var wide = new SoftmaxAttention(new MixerGeometry(6, HeadDim, 3), new RotaryEmbedding(HeadDim, theta: 100), initialCapacity: 8);
        var dtype = float32 ? ScalarType.Float32 : ScalarType.Float64;
        foreach (var m in new[] { mixer, wide })
        {
            Trace one;
            using (FusedDecoding.Force(1, threshold: 1)) one = Drive(m, dtype, seed: 7);
            foreach (int threads in new[] { 2, 3, 4 })
            {
                long before = SoftmaxDecodeKernel.t_parallelPasses;
                Trace split;
                using (FusedDecoding.Force(threads, threshold: 1)) split = Drive(m, dtype, seed: 7);
                SoftmaxDecodeKernel.t_parallelPasses.Should().BeGreaterThan(before, "the lowered threshold splits the passes");
                for (int i = 0; i < one.Kernel.Count; i++)
                    BitsEqual(split.Kernel[i], one.Kernel[i], $"output {i} ({one.Labels[i]}) on {threads} threads");
                foreach (var (name, value) in one.KernelState.Tensors)
                    BitsEqual(split.KernelState.Tensors[name], value, $"cache {name} on {threads} threads");
                split.KernelState.Dispose();
                split.ReferenceState.Dispose();
            }
            one.KernelState.Dispose();
            one.ReferenceState.Dispose();
        }
    }

    [Fact]
    public void A_thousand_steps_create_no_tensor_once_the_cache_has_room_and_grow_it_geometrically()
    {
        using var mixer = Create("rope-gqa");
        var g = mixer.Geometry;
        using var state = mixer.CreateState(2, ScalarType.Float64);
        var rows = new double[2 * (g.Heads + 2 * g.KvHeads) * HeadDim];
        var random = new Random(4);
        for (int i = 0; i < rows.Length; i++) rows[i] = random.NextDouble() - 0.5;
        var output = new double[2 * g.Heads * HeadDim];
        var statistics = DisposeScopeManager.Statistics;
        long live = statistics.ThreadTotalLiveCount, created = statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        int growths = 0;
        long capacity = ((KvCacheState)state).Capacity;
        for (int step = 0; step < 1000; step++)
        {
            mixer.TryStepRows<double>(state, rows, output).Should().BeTrue();
            if (((KvCacheState)state).Capacity != capacity)
            {
                growths++;
                capacity = ((KvCacheState)state).Capacity;
            }
        }
        state.Positions.Should().Equal(1000, 1000);
        output.Should().OnlyContain(x => double.IsFinite(x));
        statistics.ThreadTotalLiveCount.Should().Be(live);
        growths.Should().Be(7, "the cache grows by half when full: 64 -> 96 -> 144 -> 216 -> 324 -> 486 -> 729 -> 1093");
        long perGrowth = (statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount - created) / growths;
        perGrowth.Should().BeLessThan(20, "only a growth creates tensors (a few per cache tensor), no step does");
    }

    [Fact]
    public void A_state_of_another_mixer_is_refused_with_one_clear_line()
    {
        using var mixer = Create("mha");
        using var other = Create("mha");
        using var state = other.CreateState(1, ScalarType.Float64);
        var act = () => mixer.TryStepRows<double>(state, new double[3 * 2 * HeadDim], new double[2 * HeadDim]);
        act.Should().Throw<ArgumentException>().WithMessage("*different mixer*");
    }

    /// <summary>What one drive produced: the kernel's and the tensor forms' outputs in order, and both final states.</summary>
    sealed record Trace(List<Tensor> Kernel, List<Tensor> Reference, List<string> Labels, KvCacheState KernelState, KvCacheState ReferenceState);

    /// <summary>
    /// Three rows through a prefill of 3 tokens, a verification of 4 candidates committed as 4, 1 and 0 (rows at
    /// positions 7, 4 and 3), 5 steps, another verification of 3 committed as 2, 3 and 1, and 3 more steps; the kernel
    /// state takes the kernel, the reference state the tensor forms, from the same inputs.
    /// </summary>
    static Trace Drive(SoftmaxAttention mixer, ScalarType dtype, int seed)
    {
        var g = mixer.Geometry;
        const int batch = 3;
        var generator = new torch.Generator((ulong)seed);
        Tensor Input(int heads, int time) => randn([batch, heads, time, HeadDim], dtype, generator: generator);
        var kernelState = (KvCacheState)mixer.CreateState(batch, dtype);
        var referenceState = (KvCacheState)mixer.CreateState(batch, dtype);
        var kernel = new List<Tensor>();
        var reference = new List<Tensor>();
        var labels = new List<string>();
        var (q0, k0, v0) = (Input(g.Heads, 3), Input(g.KvHeads, 3), Input(g.KvHeads, 3));
        mixer.Prefill(q0, k0, v0, kernelState);
        mixer.Prefill(q0, k0, v0, referenceState);
        void Verify(int m, long[] accepted)
        {
            var (q, k, v) = (Input(g.Heads, m), Input(g.KvHeads, m), Input(g.KvHeads, m));
            var expected = mixer.Verify(q, k, v, referenceState);
            var output = empty([batch, m, g.Heads * HeadDim], dtype);
            var pending = dtype == ScalarType.Float64
                ? mixer.TryVerifyRows(kernelState, m, Rows<double>(q, k, v), TensorMemory.Span<double>(output))
                : mixer.TryVerifyRows(kernelState, m, Rows<float>(q, k, v), TensorMemory.Span<float>(output));
            pending.Should().NotBeNull();
            using (pending) mixer.Commit(kernelState, pending!, accepted);
            using (expected.Pending) mixer.Commit(referenceState, expected.Pending, accepted);
            kernel.Add(output.view(batch, m, g.Heads, HeadDim).transpose(1, 2));
            reference.Add(expected.Output);
            labels.Add($"verify of {m}");
        }
        void Step()
        {
            var (q, k, v) = (Input(g.Heads, 1), Input(g.KvHeads, 1), Input(g.KvHeads, 1));
            reference.Add(mixer.Step(q, k, v, referenceState));
            var output = empty([batch, g.Heads, 1, HeadDim], dtype);
            bool ran = dtype == ScalarType.Float64
                ? mixer.TryStepRows(kernelState, Rows<double>(q, k, v), TensorMemory.Span<double>(output))
                : mixer.TryStepRows(kernelState, Rows<float>(q, k, v), TensorMemory.Span<float>(output));
            ran.Should().BeTrue();
            kernel.Add(output);
            labels.Add($"step at {string.Join('/', referenceState.Positions)}");
        }
        using (inference_mode())
        {
            Verify(4, [4, 1, 0]);
            for (int i = 0; i < 5; i++) Step();
            Verify(3, [2, 3, 1]);
            for (int i = 0; i < 3; i++) Step();
        }
        return new Trace(kernel, reference, labels, kernelState, referenceState);
    }

    /// <summary>The rows of a fused projection, [batch, time, q + 2 kv], from q [batch, heads, time, d] and k, v.</summary>
    static T[] Rows<T>(Tensor q, Tensor k, Tensor v) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], time = q.shape[2];
        Tensor Flat(Tensor x) => x.transpose(1, 2).reshape(batch, time, -1);
        return cat(new[] { Flat(q), Flat(k), Flat(v) }, 2).contiguous().data<T>().ToArray();
    }

    static void BitsEqual(Tensor actual, Tensor expected, string because)
    {
        using var scope = NewDisposeScope();
        actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray()
            .Should().Equal(expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray(), because);
    }
}
