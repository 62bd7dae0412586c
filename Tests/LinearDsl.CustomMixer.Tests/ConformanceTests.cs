using LinearDsl.Runtime.Mixers;
using LinearDsl.Samples.CosFormer;
using LinearDsl.Testing;

namespace LinearDsl.CustomMixer.Tests;

/// <summary>User-defined mixers through the LinearDsl.Testing kit, and the kit catching broken ones.</summary>
public sealed class ConformanceTests
{
    [Fact]
    public void The_cosformer_sample_passes_the_conformance_kit()
    {
        using var mixer = new CosFormerMixer(new MixerGeometry(2, 8), maxLength: 64);
        MixerConformance.CheckAll(mixer);
    }

    [Fact]
    public void A_mixer_with_a_parameter_and_grouped_heads_passes_the_conformance_kit()
    {
        using var mixer = new ScaledPrefixMean(new MixerGeometry(4, 8, kvHeads: 2), rotary: null, initialScale: 0.75);
        MixerConformance.CheckAll(mixer);
    }

    [Fact]
    public void The_kit_catches_a_step_that_disagrees_with_the_parallel_form()
    {
        using var mixer = new OffByOneStep(new MixerGeometry(2, 8), maxLength: 64);
        FluentActions.Invoking(() => MixerConformance.FormsAgree(mixer)).Should().Throw<MixerConformanceException>().WithMessage("the step loop differs from the parallel form*");
    }

    [Fact]
    public void The_kit_catches_a_parallel_form_that_reads_later_tokens()
    {
        using var mixer = new Unmasked(new MixerGeometry(2, 8));
        FluentActions.Invoking(() => MixerConformance.IsCausal(mixer)).Should().Throw<MixerConformanceException>().WithMessage("*is not causal: *parallel*");
    }

    /// <summary>A deliberately wrong step (it scales its output), for the kit to catch.</summary>
    sealed class OffByOneStep : CustomMixer<CosFormerState>
    {
        readonly CosFormerMixer _inner;

        public OffByOneStep(MixerGeometry geometry, int maxLength) : base(nameof(OffByOneStep), geometry)
        {
            _inner = new CosFormerMixer(geometry, maxLength);
            RegisterComponents();
        }

        protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v) => _inner.Parallel(q, k, v);

        protected override CosFormerState NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);

        protected override Tensor StepState(Tensor q, Tensor k, Tensor v, CosFormerState state)
        {
            state.CosSum = state.CosSum.add(k.relu().transpose(-1, -2).matmul(v));
            state.CosNorm = state.CosNorm.add(k.relu());
            return q.relu().matmul(state.CosSum).div(q.relu().mul(state.CosNorm).sum(-1, keepdim: true).add(1e-6)).mul(1.001);
        }
    }

    /// <summary>cosFormer without the causal mask in its parallel form (a leak), for the kit to catch.</summary>
    sealed class Unmasked : CustomMixer<CosFormerState>
    {
        public Unmasked(MixerGeometry geometry) : base(nameof(Unmasked), geometry) => RegisterComponents();

        protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
        {
            var weights = q.relu().matmul(k.relu().transpose(-1, -2));
            return weights.matmul(v).div(weights.sum(-1, keepdim: true).add(1e-6));
        }

        protected override CosFormerState NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);

        protected override Tensor StepState(Tensor q, Tensor k, Tensor v, CosFormerState state) => v.clone();
    }
}
