using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Decoding;
using LinearDsl.Testing;

namespace LinearDsl.Runtime.Tests.CustomMixers;

/// <summary>A user-defined mixer (cosFormer) through the LinearDsl.Testing kit, in a model, and in speculative decoding.</summary>
public sealed class CustomMixerTests
{
    [Fact]
    public void The_cosformer_sample_passes_the_conformance_kit()
    {
        using var mixer = new CosFormerAttention(new MixerGeometry(2, 8), maxLength: 64);
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
        using var mixer = new Unmasked(new MixerGeometry(2, 8), maxLength: 64);
        FluentActions.Invoking(() => MixerConformance.IsCausal(mixer)).Should().Throw<MixerConformanceException>().WithMessage("*is not causal: *parallel*");
    }

    [Fact]
    public void A_model_with_the_custom_mixer_decodes_speculatively_with_identical_greedy_output()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var target = Model(layers: 2);
        using var draft = Model(layers: 1);
        var prompts = DecodingModels.Prompts(3);
        var options = new GenerationOptions { MaxNewTokens = 14, Sampling = SamplingOptions.Greedy };
        using var plain = new PlainDecoder(target).Start(prompts, options);
        plain.RunToEnd();
        using var speculative = new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 3 }).Start(prompts, options);
        speculative.RunToEnd();
        for (int row = 0; row < prompts.Count; row++) speculative.Generated[row].Should().Equal(plain.Generated[row], $"row {row}");
    }

    static CausalLanguageModel Model(int layers)
    {
        const int width = 16, vocab = 48;
        var blocks = Enumerable.Range(0, layers).Select(_ => new DecoderBlock(Norm.Create(NormKind.RmsNorm, width, 1e-5),
            new AttentionLayer(width, new CosFormerAttention(new MixerGeometry(2, 8), maxLength: 128)),
            Norm.Create(NormKind.RmsNorm, width, 1e-5), Mlp.Create(MlpKind.SwiGlu, width, 32))).ToList();
        var model = new CausalLanguageModel(vocab, width, blocks, Norm.Create(NormKind.RmsNorm, width, 1e-5));
        model.to(ScalarType.Float64);
        model.eval();
        return model;
    }

    /// <summary>A deliberately wrong step (it reads the position one too far), for the kit to catch.</summary>
    sealed class OffByOneStep : CustomMixer<CosFormerState>
    {
        readonly CosFormerAttention _inner;

        public OffByOneStep(MixerGeometry geometry, int maxLength) : base(nameof(OffByOneStep), geometry)
        {
            _inner = new CosFormerAttention(geometry, maxLength);
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
        public Unmasked(MixerGeometry geometry, int maxLength) : base(nameof(Unmasked), geometry) => RegisterComponents();

        protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
        {
            var weights = q.relu().matmul(k.relu().transpose(-1, -2));
            return weights.matmul(v).div(weights.sum(-1, keepdim: true).add(1e-6));
        }

        protected override CosFormerState NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);

        protected override Tensor StepState(Tensor q, Tensor k, Tensor v, CosFormerState state) => v.clone();
    }
}
