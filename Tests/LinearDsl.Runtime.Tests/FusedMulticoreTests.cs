using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// Decode programs with their projections split across 2, 3 and 4 threads against one thread: the logits of a short
/// prefill, a verification, the steps after its commit and every state tensor are bit-identical, in float32 and
/// float64 at every vector width; small catalog models cross a lowered split threshold (a test switch), a model of
/// the bundled target's width crosses the real one. Repeated runs agree, the live tensor count stays put, and two
/// models decoding on two threads at once (sharing the pool, or one computing alone while the other holds it) get
/// the numbers of one thread.
/// The class runs alone (no other test class at the same time), so that no other test holds the shared pool when
/// these count the projections that were split.
/// </summary>
[Collection(nameof(FusedMulticoreTests))]
public sealed class FusedMulticoreTests
{
    /// <summary>Catalog layouts that reach every kind of projection: softmax and augmented layers, GQA, biases with LayerNorm and GELU.</summary>
    static readonly string[] Layouts = ["hybrid", "gqa", "gpt2-bias"];

    public static TheoryData<VectorWidth, string, bool> Cases()
    {
        var data = new TheoryData<VectorWidth, string, bool>();
        foreach (var width in KernelWidths.Available())
            foreach (var layout in Layouts)
                foreach (bool float32 in new[] { false, true }) data.Add(width, layout, float32);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Two_three_and_four_threads_give_the_logits_and_states_of_one_bit_for_bit(VectorWidth width, string layout, bool float32)
    {
        using var forced = FusedIsa.Force(width);
        using var scope = NewDisposeScope();
        using var model = Create(layout, float32);
        var one = Run(model, threads: 1, threshold: 1);
        one.Parallel.Should().Be(0);
        foreach (int threads in new[] { 2, 3, 4 })
        {
            var split = Run(model, threads, threshold: 1);
            split.Parallel.Should().BeGreaterThan(0, "the lowered threshold makes every projection split");
            BitsEqual(split.Values, one.Values, $"{threads} threads");
        }
    }

    [Fact]
    public void Repeated_runs_on_three_threads_stay_identical_and_keep_the_live_tensor_count()
    {
        using var model = Create("hybrid", float32: false);
        var reference = Run(model, threads: 1, threshold: 1);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++)
        {
            using var scope = NewDisposeScope();
            BitsEqual(Run(model, threads: 3, threshold: 1).Values, reference.Values, $"run {i}");
        }
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void A_long_step_loop_on_four_threads_keeps_the_live_tensor_count_and_the_one_thread_logits()
    {
        using var single = Create("gqa", float32: false);
        using var split = Create("gqa", float32: false);
        using var singleState = single.CreateState(1);
        using var splitState = split.CreateState(1);
        using var token = tensor(new long[] { 7 }, [1, 1]);
        using var forced = FusedDecoding.Force(4, threshold: 1);
        long parallel = FusedDecoding.t_parallelProjections;
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 300; i++)
        {
            using var scope = NewDisposeScope();
            using var expected = OneThread(() => single.Step(token, singleState));
            using var actual = split.Step(token, splitState);
            BitsEqual([actual], [expected], $"step {i}");
        }
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        FusedDecoding.t_parallelProjections.Should().BeGreaterThan(parallel + 300);
    }

    [Fact]
    public void A_model_of_the_bundled_targets_width_splits_at_the_real_threshold_and_a_tiny_one_does_not()
    {
        using var scope = NewDisposeScope();
        var config = new ModelConfig
        {
            VocabSize = 256,
            Width = 256,
            Layers = 1,
            ContextLength = 64,
            MlpHidden = 688,
            Mixer = MixerSpec.AugmentedLinear(4, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }),
        };
        using var model = ModelFactory.Create(config, dtype: ScalarType.Float32);
        ModelCatalog.Randomize(model, seed: 5);
        var one = Run(model, threads: 1, threshold: 0);
        foreach (int threads in new[] { 2, 4 })
        {
            var split = Run(model, threads, threshold: 0);
            // Six projections (q/k/v, output, gate, up, down, head) in each of the 7 calls, all at or above 65,536 multiply-adds.
            split.Parallel.Should().Be(6 * 7, "every projection of a width-256 model reaches the default threshold");
            BitsEqual(split.Values, one.Values, $"{threads} threads");
        }
        using var tiny = Create("hybrid", float32: true);
        Run(tiny, threads: 4, threshold: 0).Parallel.Should().Be(0, "a width-12 model stays on the calling thread");
    }

    [Fact]
    public void Two_models_decoding_on_two_threads_at_once_get_the_numbers_of_one_thread()
    {
        using var first = Create("hybrid", float32: false);
        using var second = Create("gpt2-bias", float32: true);
        var expected = new[] { Run(first, threads: 1, threshold: 1), Run(second, threads: 1, threshold: 1) };
        var failures = new Exception?[2];
        var threads = new[] { first, second }.Select((model, i) => new Thread(() =>
        {
            try
            {
                using var scope = NewDisposeScope();
                for (int round = 0; round < 15; round++) BitsEqual(Run(model, threads: 3, threshold: 1).Values, expected[i].Values, $"model {i} round {round}");
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        failures.Should().AllSatisfy(f => f.Should().BeNull());
    }

    [Fact]
    public void Threads_refuses_counts_outside_one_to_the_maximum_and_defaults_from_the_cores()
    {
        FusedDecoding.DefaultThreads().Should().Be(Math.Min(Environment.ProcessorCount, 4));
        int current = FusedDecoding.Threads;
        var set = (int value) => () => FusedDecoding.Threads = value;
        set(0).Should().Throw<ArgumentOutOfRangeException>().WithMessage("Decode threads must be between 1 and 256*");
        set(FusedDecoding.MaxThreads + 1).Should().Throw<ArgumentOutOfRangeException>();
        FusedDecoding.Threads.Should().Be(current);
    }

    /// <summary>Logits and states of one sequence of calls, copied out, and how many projections were split.</summary>
    sealed record Outcome(Tensor[] Values, long Parallel);

    /// <summary>
    /// From a fresh state of two rows: a 3-token prefill through the program, a verification of 4 candidates with 4
    /// and 1 accepted, then 5 steps; on <paramref name="threads"/> threads (threshold 0: the real one).
    /// </summary>
    static Outcome Run(CausalLanguageModel model, int threads, long threshold)
    {
        using var forced = FusedDecoding.Force(threads, threshold);
        long parallel = FusedDecoding.t_parallelProjections;
        var values = new List<Tensor>();
        var tokens = ModelCatalog.Tokens(batch: 2, time: 12, seed: 9);
        using var state = model.CreateState(2);
        values.Add(model.Prefill(tokens.narrow(1, 0, 3), state));
        var (logits, pending) = model.Verify(tokens.narrow(1, 3, 4), state);
        values.Add(logits);
        using (pending) model.Commit(state, pending, [4, 1]);
        for (int t = 7; t < 12; t++) values.Add(model.Step(tokens.narrow(1, t, 1), state));
        foreach (var layer in state.Layers)
            foreach (var (_, value) in layer.Tensors.OrderBy(p => p.Key, StringComparer.Ordinal)) values.Add(value.clone());
        return new Outcome([.. values], FusedDecoding.t_parallelProjections - parallel);
    }

    static Tensor OneThread(Func<Tensor> call)
    {
        using var forced = FusedDecoding.Force(1);
        return call();
    }

    static CausalLanguageModel Create(string layout, bool float32)
    {
        CausalLanguageModel model;
        if (layout == "gpt2-bias")
        {
            model = ModelFactory.Create(ModelCatalog.Config("learned-layernorm-gelu") with { AttentionBias = true }, dtype: ScalarType.Float64);
            ModelCatalog.Randomize(model, seed: 11);
        }
        else
        {
            model = ModelCatalog.Create(layout);
        }
        model.DecodeProgram.Should().NotBeNull();
        if (float32) model.to(ScalarType.Float32);
        return model;
    }

    /// <summary>Every value of every tensor has the same bits (float32 widens to float64 exactly).</summary>
    static void BitsEqual(Tensor[] actual, Tensor[] expected, string because)
    {
        actual.Should().HaveSameCount(expected);
        for (int i = 0; i < expected.Length; i++)
        {
            actual[i].shape.Should().Equal(expected[i].shape);
            actual[i].dtype.Should().Be(expected[i].dtype);
            var a = actual[i].to(ScalarType.Float64).data<double>().ToArray();
            var e = expected[i].to(ScalarType.Float64).data<double>().ToArray();
            for (int j = 0; j < e.Length; j++)
                if (BitConverter.DoubleToInt64Bits(a[j]) != BitConverter.DoubleToInt64Bits(e[j]))
                    throw new Xunit.Sdk.XunitException($"Value {j} of tensor {i} differs with {because}: {a[j]:R} against {e[j]:R}.");
        }
    }
}

/// <summary>Keeps <see cref="FusedMulticoreTests"/> from running beside other test classes.</summary>
[CollectionDefinition(nameof(FusedMulticoreTests), DisableParallelization = true)]
public sealed class FusedMulticoreGroup;
