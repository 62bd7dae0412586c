using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>
/// The gated augmented mixer's contract beyond its values: the gate changes the function, later tokens never reach
/// earlier outputs in any form, the state does not grow with the context, decoding leaks no tensors, gradients reach
/// the gate parameters, and the options refuse what cannot work.
/// </summary>
public sealed class AugmentedGlaPropertiesTests
{
    static readonly AugmentedGlaCase Case = new() { Heads = 4, KvHeads = 2, HeadDim = 4, GroupSize = 4 };

    [Fact]
    public void The_gate_changes_the_output_and_gate_none_is_the_ungated_mixer()
    {
        using var scope = NewDisposeScope();
        using var gated = Case.Mixer();
        var (q, k, v) = Case.Inputs(2, 21);
        using var plain = new AugmentedLinearAttention(gated.Geometry, gated.Options with { Gate = GateKind.None });
        plain.to(ScalarType.Float64);
        using (no_grad())
        {
            plain.Alpha!.copy_(gated.Alpha!);
            plain.ConvWeight!.copy_(gated.ConvWeight!);
        }
        plain.GateWeight.Should().BeNull();
        plain.named_parameters().Select(p => p.name).Should().NotContain(n => n.StartsWith("gate"), "Gate = None keeps the ungated parameters");
        Forms.MaxAbsDiff(gated.Parallel(q, k, v), plain.Parallel(q, k, v)).Should().BeGreaterThan(1e-3);
        // The first group reads no global state, so it agrees.
        Forms.MaxAbsDiff(gated.Parallel(q, k, v).narrow(2, 0, 4), plain.Parallel(q, k, v).narrow(2, 0, 4)).Should().Be(0);
    }

    [Fact]
    public void A_later_token_changes_no_earlier_output_in_any_form()
    {
        using var scope = NewDisposeScope();
        using var mixer = Case.Mixer();
        var (q, k, v) = Case.Inputs(2, 21);
        const long changed = 9;   // inside the third group
        var (q2, k2, v2) = (q.clone(), k.clone(), v.clone());
        using (no_grad())
        {
            // The key alone changes the gate and the feature; q and v too.
            q2.narrow(2, changed, 1).add_(1.5);
            k2.narrow(2, changed, 1).mul_(-2).add_(0.7);
            v2.narrow(2, changed, 1).add_(-3);
        }
        var forms = new (string Name, Func<Tensor, Tensor, Tensor, Tensor> Run)[]
        {
            ("parallel", mixer.Parallel),
            ("step", (a, b, c) => Forms.StepLoop(mixer, a, b, c)),
            ("verify", (a, b, c) => Forms.PrefillThenVerify(mixer, a, b, c, 2, 5, 3)),
        };
        foreach (var (name, run) in forms)
        {
            var before = run(q, k, v);
            var after = run(q2, k2, v2);
            Forms.MaxAbsDiff(before.narrow(2, 0, changed), after.narrow(2, 0, changed)).Should().Be(0, $"{name}: outputs before the change are bit-identical");
            // The changed key enters the global state of every later group through its gate and its feature.
            Forms.MaxAbsDiff(before.narrow(2, 12, 9), after.narrow(2, 12, 9)).Should().BeGreaterThan(1e-6, $"{name}: later groups read the change");
        }
    }

    [Fact]
    public void The_state_does_not_grow_with_the_context()
    {
        using var scope = NewDisposeScope();
        using var mixer = Case.Mixer();
        var (q, k, v) = Case.Inputs(1, 600);
        using var shortState = mixer.CreateState(1, ScalarType.Float64);
        using var longState = mixer.CreateState(1, ScalarType.Float64);
        mixer.Prefill(q.narrow(2, 0, 6), k.narrow(2, 0, 6), v.narrow(2, 0, 6), shortState);
        mixer.Prefill(q, k, v, longState);
        longState.AllocatedBytes.Should().Be(shortState.AllocatedBytes);
        longState.Tensors.Keys.Should().Contain("gate_logs");
        longState.Tensors["gate_logs"].shape.Should().Equal(1, 2, 4, 4);
        // d x d global state, G-slot buffers of k, v and log gates, K-1 conv values: nothing scales with 600.
        long elements = longState.Tensors.Values.Sum(t => t.NumberOfElements);
        elements.Should().Be(2 * (4 * 4 + 3 * 4 * 4 + 2 * 4));
    }

    [Fact]
    public void A_thousand_steps_and_verifications_keep_the_live_tensor_count()
    {
        using var mixer = Case.Mixer();
        var (q, k, v) = Case.Inputs(2, 5);
        using var state = mixer.CreateState(2, ScalarType.Float64);
        using var _ = inference_mode();
        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                mixer.Step(q.narrow(2, 0, 1), k.narrow(2, 0, 1), v.narrow(2, 0, 1), state);
                if (i % 10 != 0) continue;
                var result = mixer.Verify(q, k, v, state);
                using (result.Pending) mixer.Commit(state, result.Pending, [i % 6, 3]);
            }
        }
        Run(10);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Run(1000);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Gradients_reach_the_gate_parameters()
    {
        using var scope = NewDisposeScope();
        using var mixer = Case.Mixer();
        var (q, k, v) = Case.Inputs(2, 13);
        mixer.Parallel(q, k, v).square().sum().backward();
        foreach (var (name, parameter) in new[] { ("gate_weight", mixer.GateWeight!), ("gate_bias", mixer.GateBias!), ("alpha", mixer.Alpha!) })
        {
            var grad = parameter.grad!;
            grad.Should().NotBeNull(name);
            grad.isfinite().all().item<bool>().Should().BeTrue(name);
            grad.abs().max().item<double>().Should().BeGreaterThan(1e-6, $"{name} receives a gradient");
        }
    }

    [Fact]
    public void Gates_start_at_0_99_per_token_for_any_temperature()
    {
        using var scope = NewDisposeScope();
        foreach (double temperature in new[] { 1.0, 16.0 })
        {
            using var mixer = new AugmentedLinearAttention(new MixerGeometry(2, 4), new AugmentedLinearAttentionOptions { GroupSize = 4, Gate = GateKind.Gla, GateTemperature = temperature });
            mixer.GateWeight!.abs().max().item<float>().Should().Be(0);
            var gate = nn.functional.logsigmoid(mixer.GateBias!.to_type(ScalarType.Float64)).div(temperature).exp();
            gate.sub(0.99).abs().max().item<double>().Should().BeLessThan(1e-6);
        }
    }

    [Theory]
    [InlineData(0.0, true, "GateTemperature is 0")]
    [InlineData(double.NaN, true, "GateTemperature is NaN")]
    [InlineData(16.0, false, "Gate = Gla decays the global term, which is off")]
    public void Options_that_cannot_work_are_refused_with_one_clear_line(double temperature, bool global, string message)
    {
        var options = new AugmentedLinearAttentionOptions { Gate = GateKind.Gla, GateTemperature = temperature, Global = global };
        var problems = options.Problems();
        problems.Should().ContainSingle().Which.Message.Should().Be(message);
        var act = () => new AugmentedLinearAttention(new MixerGeometry(2, 4), options);
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(message).And.NotContain("\n");
        new AugmentedLinearAttentionOptions { Gate = (GateKind)7 }.Problems().Should().ContainSingle().Which.Message.Should().Be("Gate 7 is not a known gate");
    }

    [Fact]
    public void The_gate_changes_no_causality_verdict()
    {
        var leaky = new[]
        {
            new AugmentedLinearAttentionOptions(),
            new AugmentedLinearAttentionOptions { CausalLocal = false },
            new AugmentedLinearAttentionOptions { InclusiveGlobalPrefix = true },
            new AugmentedLinearAttentionOptions { ConvPadding = ConvPadding.Centered },
            new AugmentedLinearAttentionOptions { GroupSize = 1, CausalLocal = false },
        };
        foreach (var options in leaky)
            (options with { Gate = GateKind.Gla }).NonCausal().Should().Equal(options.NonCausal(), options.ToString());
    }
}
