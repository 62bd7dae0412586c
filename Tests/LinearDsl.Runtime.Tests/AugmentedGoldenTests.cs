using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests;

/// <summary>The three forms of augmented linear attention against independent float64 reference outputs.</summary>
public sealed class AugmentedGoldenTests
{
    const double Tolerance = 1e-12;

    [Theory]
    [MemberData(nameof(GoldenCase.Names), MemberType = typeof(GoldenCase))]
    public void Parallel_matches_reference(string name)
    {
        using var scope = NewDisposeScope();
        var (mixer, q, k, v, expected) = Build(GoldenCase.Named(name));
        Forms.MaxAbsDiff(mixer.Parallel(q, k, v), expected).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [MemberData(nameof(GoldenCase.Names), MemberType = typeof(GoldenCase))]
    public void Step_loop_matches_reference(string name)
    {
        using var scope = NewDisposeScope();
        var (mixer, q, k, v, expected) = Build(GoldenCase.Named(name));
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [MemberData(nameof(GoldenCase.Names), MemberType = typeof(GoldenCase))]
    public void Fused_inference_step_loop_matches_reference(string name)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var (mixer, q, k, v, expected) = Build(GoldenCase.Named(name));
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [MemberData(nameof(GoldenCase.Names), MemberType = typeof(GoldenCase))]
    public void Prefill_then_verify_and_commit_matches_reference(string name)
    {
        using var scope = NewDisposeScope();
        var c = GoldenCase.Named(name);
        var (mixer, q, k, v, expected) = Build(c);
        long prefix = c.Tokens / 3;
        Forms.MaxAbsDiff(Forms.PrefillThenVerify(mixer, q, k, v, prefix, 3, 5, 1), expected).Should().BeLessThan(Tolerance);
    }

    static (AugmentedLinearAttention Mixer, Tensor Q, Tensor K, Tensor V, Tensor Expected) Build(GoldenCase c)
    {
        var options = new AugmentedLinearAttentionOptions
        {
            GroupSize = c.GroupSize, ConvTaps = c.ConvTaps, Local = c.Local, Global = c.Global, Conv = c.Conv,
        };
        var mixer = new AugmentedLinearAttention(new MixerGeometry(c.Heads, c.HeadDim), options);
        mixer.to(ScalarType.Float64);
        using (no_grad())
        {
            mixer.Alpha?.fill_(c.Alpha);
            mixer.ConvWeight?.copy_(tensor(c.ConvWeight, [c.Heads, c.ConvTaps], ScalarType.Float64));
        }
        long[] shape = [c.Batch, c.Heads, c.Tokens, c.HeadDim];
        return (mixer, tensor(c.Q, shape, ScalarType.Float64), tensor(c.K, shape, ScalarType.Float64),
            tensor(c.V, shape, ScalarType.Float64), tensor(c.Expected, shape, ScalarType.Float64));
    }
}
