using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// The fused augmented kernels at heads of 64 (dot products, axpys and the register-blocked global term) against the
/// generic ops at every vector width this CPU runs (forced one at a time): in float32 to float32 error, and in
/// float64 to 1e-12, for the Step loop and Prefill + Verify/Commit against Parallel.
/// </summary>
public sealed class AugmentedFloat32KernelTests
{
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Fused_float32_step_and_verify_match_the_parallel_form_at_heads_of_64(VectorWidth width)
        => StepAndVerifyMatchParallel(width, ScalarType.Float32, tolerance: 1e-4);

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Fused_float64_step_and_verify_match_the_parallel_form_at_heads_of_64(VectorWidth width)
        => StepAndVerifyMatchParallel(width, ScalarType.Float64, tolerance: 1e-12);

    static void StepAndVerifyMatchParallel(VectorWidth width, ScalarType dtype, double tolerance)
    {
        using var forced = FusedIsa.Force(width);
        using var scope = NewDisposeScope();
        using var rotary = new RotaryEmbedding(64);
        using var mixer = Mixer(rotary, dtype);
        var (q, k, v) = Inputs(dtype);
        var expected = mixer.Parallel(q, k, v);

        using var _ = no_grad();
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(tolerance, "fused step loop");
        Forms.MaxAbsDiff(Forms.PrefillThenVerify(mixer, q, k, v, 3, 5, 2, 7), expected).Should().BeLessThan(tolerance, "fused verify and commit");
    }

    static AugmentedLinearAttention Mixer(RotaryEmbedding rotary, ScalarType dtype)
    {
        var mixer = new AugmentedLinearAttention(new MixerGeometry(4, 64, kvHeads: 2),
            new AugmentedLinearAttentionOptions { GroupSize = 8, ConvTaps = 4, AlphaInit = 0.7 }, rotary);
        mixer.to(dtype);
        using (no_grad()) mixer.ConvWeight!.copy_(randn(mixer.ConvWeight.shape, generator: new torch.Generator(3)).mul(0.3));
        return mixer;
    }

    static (Tensor Q, Tensor K, Tensor V) Inputs(ScalarType dtype)
    {
        var generator = new torch.Generator(5);
        return (randn([2, 4, 21, 64], dtype, generator: generator), randn([2, 2, 21, 64], dtype, generator: generator),
            randn([2, 2, 21, 64], dtype, generator: generator));
    }
}
