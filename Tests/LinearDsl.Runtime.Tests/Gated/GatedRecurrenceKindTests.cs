using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>
/// The tests every gated kind gets (each kind's test class derives from this one), in float64: golden outputs against
/// <see cref="GatedRecurrenceReference"/> for chunk sizes that do and do not divide the length, Step and Verify +
/// Commit (rows accepting different counts) against the same reference, causality by perturbation, a state that does
/// not grow, no tensor growth over 1,000 steps, gradients into the gate parameters, speculative greedy identity and
/// the decode program's fallback to the mixer's own Step and Verify.
/// </summary>
public abstract class GatedRecurrenceKindTests
{
    const double Tolerance = 1e-10;
    static readonly MixerGeometry Grouped = new(4, 6, 2);

    /// <summary>The mixer with these chunk length and output-norm settings, random parameters, in float64.</summary>
    protected abstract TokenMixer Create(MixerGeometry geometry, int chunk, bool outputNorm);

    /// <summary>The kind's options for a model config.</summary>
    protected abstract MixerOptions Options { get; }

    /// <summary>The gate parameters that must receive gradients (none for a fixed decay).</summary>
    protected abstract IEnumerable<Tensor> GateParameters(TokenMixer mixer);

    TokenMixer Random(MixerGeometry geometry, int chunk, bool outputNorm = true, int seed = 3)
    {
        var mixer = Create(geometry, chunk, outputNorm);
        mixer.to(ScalarType.Float64);
        MixerCatalog.Randomize(mixer, seed);
        return mixer;
    }

    static (Tensor Q, Tensor K, Tensor V) Inputs(MixerGeometry g, long batch, long time, int seed = 1)
    {
        var generator = new torch.Generator((ulong)seed);
        return (Forms.Randn(generator, batch, g.Heads, time, g.HeadDim), Forms.Randn(generator, batch, g.KvHeads, time, g.HeadDim),
            Forms.Randn(generator, batch, g.KvHeads, time, g.HeadDim));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(5, false)]
    [InlineData(12, false)]
    [InlineData(16, true)]
    [InlineData(64, false)]
    public void Parallel_matches_the_independent_reference(int chunk, bool outputNorm)
    {
        using var scope = NewDisposeScope();
        using var mixer = Random(Grouped, chunk, outputNorm);
        var (q, k, v) = Inputs(Grouped, batch: 2, time: 37);
        var expected = GatedRecurrenceReference.Run(mixer, q, k, v);
        var actual = mixer.Parallel(q, k, v);
        GatedRecurrenceReference.MaxAbsDiff(expected, actual).Should().BeLessThan(Tolerance, $"chunk {chunk}");
        actual.abs().max().item<double>().Should().BeGreaterThan(0.1, "outputs of order one make the tolerance meaningful");
    }

    [Fact]
    public void Step_and_verify_with_uneven_commits_match_the_reference()
    {
        using var scope = NewDisposeScope();
        using var mixer = Random(Grouped, chunk: 4);
        const long batch = 3, time = 40, m = 5;
        var (q, k, v) = Inputs(Grouped, batch, time, seed: 7);
        var expected = GatedRecurrenceReference.Run(mixer, q, k, v);
        GatedRecurrenceReference.MaxAbsDiff(expected, Forms.StepLoop(mixer, q, k, v)).Should().BeLessThan(Tolerance, "the step loop");

        using var state = mixer.CreateState(batch, ScalarType.Float64);
        mixer.Prefill(q.narrow(2, 0, 3), k.narrow(2, 0, 3), v.narrow(2, 0, 3), state);
        var random = new Random(5);
        var reference = new double[batch, Grouped.Heads, m, Grouped.HeadDim];
        while (state.Positions.Max() + m <= time)
        {
            var positions = state.Positions.ToArray();
            var result = mixer.Verify(Take(q, positions, m), Take(k, positions, m), Take(v, positions, m), state);
            using (result.Pending)
            {
                for (int b = 0; b < batch; b++)
                {
                    var want = Slice(expected, b, positions[b], m);
                    GatedRecurrenceReference.MaxAbsDiff(want, result.Output.narrow(0, b, 1)).Should().BeLessThan(Tolerance, $"row {b} at {positions[b]}");
                }
                // Row 0 always accepts everything (so the loop ends); the others accept random counts, 0 included.
                mixer.Commit(state, result.Pending, positions.Select((_, b) => b == 0 ? m : random.Next(0, (int)m + 1)).ToArray());
            }
        }
        state.Positions.Distinct().Count().Should().BeGreaterThan(1, "the rows must end at different positions");
    }

    [Fact]
    public void Changing_a_token_leaves_earlier_outputs_bit_identical()
    {
        using var scope = NewDisposeScope();
        using var mixer = Random(Grouped, chunk: 4);
        var (q, k, v) = Inputs(Grouped, batch: 2, time: 14);
        var before = mixer.Parallel(q, k, v);
        foreach (long position in new long[] { 1, 4, 9, 13 })
        {
            var (q2, k2, v2) = (q.clone(), k.clone(), v.clone());
            foreach (var x in new[] { q2, k2, v2 }) x.narrow(2, position, 1).add_(3.0);
            var after = mixer.Parallel(q2, k2, v2);
            after.narrow(2, 0, position).eq(before.narrow(2, 0, position)).all().item<bool>().Should().BeTrue($"token {position} must not reach earlier outputs");
            Forms.MaxAbsDiff(after.narrow(2, position, 1), before.narrow(2, position, 1)).Should().BeGreaterThan(1e-6, "the token itself changes its output");
        }
    }

    [Fact]
    public void The_state_does_not_grow_with_the_context()
    {
        using var scope = NewDisposeScope();
        using var mixer = Random(Grouped, chunk: 16);
        var (q, k, v) = Inputs(Grouped, batch: 2, time: 600);
        using var shortState = mixer.CreateState(2, ScalarType.Float64);
        using var longState = mixer.CreateState(2, ScalarType.Float64);
        mixer.Prefill(q.narrow(2, 0, 10), k.narrow(2, 0, 10), v.narrow(2, 0, 10), shortState);
        mixer.Prefill(q, k, v, longState);
        longState.StateBytes.Should().Be(shortState.StateBytes).And.Be(2L * Grouped.KvHeads * Grouped.HeadDim * Grouped.HeadDim * sizeof(double));
        longState.Tensors.Keys.Should().Equal("kv");
    }

    [Fact]
    public void A_thousand_steps_do_not_grow_the_live_tensor_count()
    {
        using var mixer = Random(Grouped, chunk: 4);
        var (q, k, v) = Inputs(Grouped, batch: 2, time: 1);
        using var state = mixer.CreateState(2, ScalarType.Float64);
        using var _ = inference_mode();
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                mixer.Step(q, k, v, state);
            }
        }
        Steps(10);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Steps(1000);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        state.Positions.Should().OnlyContain(p => p == 1010);
    }

    [Fact]
    public void Gradients_reach_the_inputs_and_the_gate_parameters()
    {
        using var scope = NewDisposeScope();
        using var mixer = Random(Grouped, chunk: 4);
        var (q, k, v) = Inputs(Grouped, batch: 1, time: 11);
        foreach (var x in new[] { q, k, v }) x.requires_grad_(true);
        var readout = Inputs(Grouped, batch: 1, time: 11, seed: 9).Q;
        mixer.Parallel(q, k, v).mul(readout).sum().backward();
        foreach (var t in new[] { q, k, v }.Concat(GateParameters(mixer)))
        {
            t.grad.Should().NotBeNull();
            t.grad!.isfinite().all().item<bool>().Should().BeTrue();
            t.grad.abs().max().item<double>().Should().BeGreaterThan(1e-8);
        }
    }

    [Fact]
    public void Speculative_greedy_output_is_identical_to_plain_greedy()
    {
        var target = TinyModel(width: 16, layers: 2, seed: 1);
        var draft = TinyModel(width: 8, layers: 1, seed: 2);
        using (target)
        using (draft)
        {
            var options = new GenerationOptions { MaxNewTokens = 16, Sampling = SamplingOptions.Greedy };
            foreach (var (batch, promptSeed) in new[] { (1, 5), (1, 6), (3, 5) })
            {
                var prompts = Decoding.DecodingModels.Prompts(batch, promptSeed);
                using var plain = new PlainDecoder(target).Start(prompts, options);
                plain.RunToEnd();
                foreach (int m in new[] { 1, 3, 6 })
                {
                    using var speculative = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = m }).Start(prompts, options);
                    speculative.RunToEnd();
                    for (int b = 0; b < batch; b++)
                        speculative.Generated[b].Should().Equal(plain.Generated[b], $"prompts {promptSeed}, batch {batch}, row {b}, m = {m}");
                }
            }
        }
    }

    [Fact]
    public void The_decode_program_runs_the_mixers_own_forms_and_matches_the_modules()
    {
        using var scope = NewDisposeScope();
        using var fused = TinyModel(width: 16, layers: 2, seed: 1);
        using var composed = TinyModel(width: 16, layers: 2, seed: 1);
        fused.DecodeProgram.Should().BeOfType<ConfigDecodeProgram>("a model built from a config gets the runtime program, whatever its kind");
        composed.UseDecodeProgram(null);
        var tokens = randint(Decoding.DecodingModels.Vocab, [3, 20], generator: new torch.Generator(4));
        using var fusedState = fused.CreateState(3);
        using var composedState = composed.CreateState(3);
        foreach (var (model, state) in new[] { (fused, fusedState), (composed, composedState) })
        {
            model.Prefill(tokens.narrow(1, 0, 2), state);
            var (_, pending) = model.Verify(tokens.narrow(1, 2, 4), state);
            using (pending) model.Commit(state, pending, [4, 2, 0]);
        }
        for (int t = 6; t < 20; t++)
        {
            var token = tokens.narrow(1, t, 1);
            Forms.MaxAbsDiff(fused.Step(token, fusedState), composed.Step(token, composedState)).Should().BeLessThan(1e-12, $"logits of step {t}");
        }
    }

    CausalLanguageModel TinyModel(int width, int layers, ulong seed)
    {
        var config = new ModelConfig
        {
            VocabSize = Decoding.DecodingModels.Vocab, Width = width, Layers = layers, ContextLength = 64, MlpHidden = 2 * width,
            Mixer = MixerSpec.Of(2, Options),
        };
        var model = ModelFactory.Create(config, seed, ScalarType.Float64);
        // Random gate parameters (the initial ones are data-independent), then a peaked output head.
        int index = 0;
        foreach (var module in model.modules().OfType<TokenMixer>()) MixerCatalog.Randomize(module, seed: (int)seed * 10 + index++);
        Decoding.DecodingModels.Sharpen(model);
        return model;
    }

    static Tensor Take(Tensor x, long[] positions, long m)
        => cat(positions.Select((p, b) => x.narrow(0, b, 1).narrow(2, p, m)).ToArray(), 0);

    static double[,,,] Slice(double[,,,] x, int row, long start, long m)
    {
        var slice = new double[1, x.GetLength(1), m, x.GetLength(3)];
        for (int h = 0; h < x.GetLength(1); h++)
            for (int t = 0; t < m; t++)
                for (int j = 0; j < x.GetLength(3); j++) slice[0, h, t, j] = x[row, h, start + t, j];
        return slice;
    }
}
