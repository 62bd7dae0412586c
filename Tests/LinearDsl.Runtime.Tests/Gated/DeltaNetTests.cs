using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;
using LinearDsl.Testing;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>The DeltaNet mixer in float64: golden outputs, its three forms, causality, O(1) state, memory, gradients.</summary>
public sealed class DeltaNetTests
{
    const int HeadDim = 6;

    /// <summary>A float64 DeltaNet (4 query heads on 2 kv heads unless said otherwise) with random beta parameters.</summary>
    static DeltaNet Create(int chunk, int heads = 4, int kvHeads = 2, bool rotary = false, int seed = 3)
    {
        var mixer = new DeltaNet(new MixerGeometry(heads, HeadDim, kvHeads), new DeltaNetOptions { ChunkSize = chunk },
            rotary ? new RotaryEmbedding(HeadDim, theta: 100) : null);
        mixer.to(ScalarType.Float64);
        MixerCatalog.Randomize(mixer, seed);
        return mixer;
    }

    static (Tensor Q, Tensor K, Tensor V) Inputs(DeltaNet mixer, long batch, long time, int seed = 1)
    {
        var g = mixer.Geometry;
        var generator = new torch.Generator((ulong)seed);
        return (Forms.Randn(generator, batch, g.Heads, time, g.HeadDim), Forms.Randn(generator, batch, g.KvHeads, time, g.HeadDim),
            Forms.Randn(generator, batch, g.KvHeads, time, g.HeadDim));
    }

    static Tensor Reference(DeltaNet mixer, Tensor q, Tensor k, Tensor v)
    {
        var output = DeltaNetReference.Run(DeltaNetReference.Array4(q), DeltaNetReference.Array4(k), DeltaNetReference.Array4(v),
            DeltaNetReference.Array2(mixer.BetaWeight.detach()), mixer.BetaBias.detach().data<double>().ToArray(), mixer.Options.NormEps);
        var flat = new double[output.Length];
        System.Buffer.BlockCopy(output, 0, flat, 0, flat.Length * sizeof(double));
        return tensor(flat, q.shape, ScalarType.Float64);
    }

    public static TheoryData<int> ChunkSizes() => new() { 1, 3, 4, 5, 16, 64 };

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Parallel_matches_the_independent_float64_reference(int chunk)
    {
        using var scope = NewDisposeScope();
        using var mixer = Create(chunk);
        var (q, k, v) = Inputs(mixer, batch: 2, time: 21);
        using var _ = no_grad();
        var expected = Reference(mixer, q, k, v);
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1, "the golden outputs are not trivially zero");
        Forms.MaxAbsDiff(mixer.Parallel(q, k, v), expected).Should().BeLessThan(1e-12);
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(1e-12);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public void Parallel_step_and_verify_commit_agree(int chunk)
    {
        using var scope = NewDisposeScope();
        foreach (bool rotary in new[] { false, true })
        {
            using var mixer = Create(chunk, rotary: rotary);
            var (q, k, v) = Inputs(mixer, batch: 2, time: 23);
            using var _ = no_grad();
            var parallel = mixer.Parallel(q, k, v);
            Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), parallel).Should().BeLessThan(1e-12, $"step, chunk {chunk}, rotary {rotary}");
            Forms.MaxAbsDiff(Forms.PrefillThenVerify(mixer, q, k, v, prefix: 5, 3, 1, 7, 2), parallel).Should().BeLessThan(1e-12, $"verify, chunk {chunk}, rotary {rotary}");
            Forms.MaxAbsDiff(Forms.PrefillThenVerify(mixer, q, k, v, prefix: 0, 9), parallel).Should().BeLessThan(1e-12, $"verify from empty, chunk {chunk}");
            using var state = mixer.CreateState(2, ScalarType.Float64);
            Forms.MaxAbsDiff(mixer.Prefill(q, k, v, state), parallel).Should().BeLessThan(1e-12, $"prefill, chunk {chunk}");
        }
    }

    [Fact]
    public void The_conformance_kit_passes_with_rows_that_commit_different_counts()
    {
        foreach (int chunk in new[] { 2, 4, 64 })
        {
            using var mixer = Create(chunk, rotary: true);
            MixerConformance.CheckAll(mixer, new MixerConformanceOptions { Batch = 3, Length = 19, Tolerance = 1e-12 });
        }
    }

    [Fact]
    public void Verify_leaves_the_state_alone_and_commit_of_j_gives_the_state_of_j_steps()
    {
        using var scope = NewDisposeScope();
        using var mixer = Create(chunk: 3);
        var (q, k, v) = Inputs(mixer, batch: 3, time: 12);
        using var _ = no_grad();
        using var state = mixer.CreateState(3, ScalarType.Float64);
        mixer.Prefill(q.narrow(2, 0, 5), k.narrow(2, 0, 5), v.narrow(2, 0, 5), state);
        var before = state.Tensors["s"].clone();
        const long m = 7;
        var result = mixer.Verify(q.narrow(2, 5, m), k.narrow(2, 5, m), v.narrow(2, 5, m), state);
        state.Tensors["s"].eq(before).all().item<bool>().Should().BeTrue("Verify must not write the state");
        long[] accepted = [0, 4, 7];
        mixer.Commit(state, result.Pending, accepted);
        result.Pending.Dispose();

        for (int b = 0; b < 3; b++)
        {
            var (qb, kb, vb) = (q.narrow(0, b, 1), k.narrow(0, b, 1), v.narrow(0, b, 1));
            using var stepped = mixer.CreateState(1, ScalarType.Float64);
            Forms.StepLoop(mixer, qb.narrow(2, 0, 5 + accepted[b]), kb.narrow(2, 0, 5 + accepted[b]), vb.narrow(2, 0, 5 + accepted[b]), stepped);
            Forms.MaxAbsDiff(state.Tensors["s"].narrow(0, b, 1), stepped.Tensors["s"]).Should().BeLessThan(1e-12, $"row {b} after {accepted[b]}");
            state.Positions[b].Should().Be(5 + accepted[b]);
        }
    }

    [Fact]
    public void Earlier_outputs_are_bit_identical_when_a_later_token_changes_in_every_form()
    {
        using var scope = NewDisposeScope();
        foreach (int chunk in new[] { 1, 4, 64 })
        {
            using var mixer = Create(chunk, rotary: true);
            var (q, k, v) = Inputs(mixer, batch: 2, time: 16);
            foreach (long position in new long[] { 1, 5, 9, 15 })
            {
                var findings = MixerCausalityProbe.Check(mixer, q, k, v, position, seed: (ulong)position);
                findings.Should().OnlyContain(f => f.Verdict == CausalityVerdict.Causal, $"chunk {chunk}, position {position}");
            }
        }
    }

    [Fact]
    public void The_state_does_not_grow_with_the_context()
    {
        using var scope = NewDisposeScope();
        using var mixer = Create(chunk: 4);
        var (q, k, v) = Inputs(mixer, batch: 2, time: 300);
        using var _ = no_grad();
        using var state = mixer.CreateState(2, ScalarType.Float64);
        mixer.Prefill(q.narrow(2, 0, 10), k.narrow(2, 0, 10), v.narrow(2, 0, 10), state);
        long bytes = state.StateBytes;
        mixer.Prefill(q.narrow(2, 10, 290), k.narrow(2, 10, 290), v.narrow(2, 10, 290), state);
        state.StateBytes.Should().Be(bytes).And.Be(2L * 2 * HeadDim * HeadDim * sizeof(double));
        state.Tensors.Keys.Should().Equal("s");
    }

    [Fact]
    public void A_thousand_steps_and_verifications_do_not_grow_the_live_tensor_count()
    {
        using var mixer = Create(chunk: 4);
        var (q, k, v) = Inputs(mixer, batch: 2, time: 3);
        using var state = mixer.CreateState(2, ScalarType.Float64);
        using var _ = inference_mode();
        void Rounds(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                mixer.Step(q.narrow(2, 0, 1), k.narrow(2, 0, 1), v.narrow(2, 0, 1), state);
                var result = mixer.Verify(q, k, v, state);
                mixer.Commit(state, result.Pending, [1, 2]);
                result.Pending.Dispose();
            }
        }
        Rounds(10);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Rounds(1000);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        state.Positions.Should().Equal(1010 * 2, 1010 * 3);
    }

    [Fact]
    public void Float32_parallel_and_step_agree_over_4096_tokens_and_stay_bounded()
    {
        using var scope = NewDisposeScope();
        using var mixer = new DeltaNet(new MixerGeometry(2, 8), new DeltaNetOptions());
        MixerCatalog.Randomize(mixer, seed: 4);
        var generator = new torch.Generator(11);
        const long time = 4096;
        // Large keys and values: unnormalised keys with beta near 1 would blow the state up; normalised ones cannot.
        var (q, k, v) = (randn([1, 2, time, 8], generator: generator).mul(10), randn([1, 2, time, 8], generator: generator).mul(10), randn([1, 2, time, 8], generator: generator));
        using var _ = inference_mode();
        var parallel = mixer.Parallel(q, k, v);
        var stepped = Forms.StepLoop(mixer, q, k, v);
        parallel.isfinite().all().item<bool>().Should().BeTrue();
        double scale = parallel.abs().max().item<float>();
        scale.Should().BeLessThan(v.abs().max().item<float>() * 8, "|o| <= |S|, and with normalised keys each transition is non-expansive (keys of norm 10 would make it expand 99-fold per step)");
        (Forms.MaxAbsDiff(parallel, stepped) / scale).Should().BeLessThan(1e-4);
    }

    [Fact]
    public void Gradients_reach_the_beta_parameters_and_the_inputs()
    {
        using var scope = NewDisposeScope();
        foreach (int chunk in new[] { 3, 64 })
        {
            using var mixer = Create(chunk);
            var (q, k, v) = Inputs(mixer, batch: 2, time: 11);
            foreach (var t in new[] { q, k, v }) t.requires_grad_(true);
            var readout = Inputs(mixer, batch: 2, time: 11, seed: 9).Q;
            mixer.zero_grad();
            mixer.Parallel(q, k, v).mul(readout).sum().backward();
            foreach (var (name, grad) in new[] { ("beta_weight", mixer.BetaWeight.grad), ("beta_bias", mixer.BetaBias.grad), ("q", q.grad), ("k", k.grad), ("v", v.grad) })
            {
                grad.Should().NotBeNull(name);
                grad!.isfinite().all().item<bool>().Should().BeTrue(name);
                grad.abs().sum().item<double>().Should().BeGreaterThan(1e-6, name);
            }
        }
    }

    [Fact]
    public void Beta_gradients_match_finite_differences()
    {
        using var scope = NewDisposeScope();
        using var mixer = Create(chunk: 4);
        var (q, k, v) = Inputs(mixer, batch: 1, time: 10);
        var readout = Inputs(mixer, batch: 1, time: 10, seed: 5).Q;
        Tensor Loss() => mixer.Parallel(q, k, v).mul(readout).sum();
        mixer.zero_grad();
        Loss().backward();
        foreach (var parameter in new[] { mixer.BetaWeight, mixer.BetaBias })
        {
            var analytic = parameter.grad!.clone().view(-1);
            var flat = parameter.detach().view(-1);
            for (long i = 0; i < flat.shape[0]; i += 3)
            {
                double original = flat[i].item<double>(), plus, minus;
                using (no_grad())
                {
                    flat[i] = original + 1e-6;
                    plus = Loss().item<double>();
                    flat[i] = original - 1e-6;
                    minus = Loss().item<double>();
                    flat[i] = original;
                }
                double numeric = (plus - minus) / 2e-6, exact = analytic[i].item<double>();
                Math.Abs(numeric - exact).Should().BeLessThan(1e-6 * Math.Max(1, Math.Abs(exact)), $"element {i}");
            }
        }
    }

    [Fact]
    public void Fresh_beta_parameters_are_deterministic_and_give_one_half()
    {
        using var mixer = new DeltaNet(new MixerGeometry(2, 4));
        mixer.BetaWeight.abs().sum().item<float>().Should().Be(0);
        mixer.BetaBias.abs().sum().item<float>().Should().Be(0);
        mixer.named_parameters().Select(p => p.name).Should().Equal("beta_weight", "beta_bias");
    }

    [Theory]
    [InlineData(0, 1e-6, "ChunkSize")]
    [InlineData(-4, 1e-6, "ChunkSize")]
    [InlineData(64, 0.0, "NormEps")]
    [InlineData(64, double.NaN, "NormEps")]
    [InlineData(64, double.PositiveInfinity, "NormEps")]
    public void Invalid_options_are_refused_with_the_setting_named(int chunk, double eps, string setting)
    {
        var options = new DeltaNetOptions { ChunkSize = chunk, NormEps = eps };
        options.Problems().Should().ContainSingle().Which.Setting.Should().Be(setting);
        var act = () => new DeltaNet(new MixerGeometry(2, 4), options);
        act.Should().Throw<ArgumentException>().WithMessage($"*{setting}*");
        new DeltaNetOptions().Problems().Should().BeEmpty();
        new DeltaNetOptions().NonCausal().Should().BeEmpty();
    }
}
