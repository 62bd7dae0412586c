using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Positional;

namespace LinearDsl.Runtime.Tests;

/// <summary>
/// The fused float32 kernels at heads of 64 (where they use AVX-512 dot products, axpys and the register-blocked
/// global term) against the generic ops in float32: Step loop and Prefill + Verify/Commit against Parallel.
/// </summary>
public sealed class AugmentedFloat32KernelTests
{
    [Fact]
    public void Fused_float32_step_and_verify_match_the_parallel_form_at_heads_of_64()
    {
        using var scope = NewDisposeScope();
        using var rotary = new RotaryEmbedding(64);
        using var mixer = new AugmentedLinearAttention(new MixerGeometry(4, 64, kvHeads: 2),
            new AugmentedLinearAttentionOptions { GroupSize = 8, ConvTaps = 4, AlphaInit = 0.7 }, rotary);
        using (no_grad()) mixer.ConvWeight!.copy_(randn(mixer.ConvWeight.shape, generator: new torch.Generator(3)).mul(0.3));
        var generator = new torch.Generator(5);
        var q = randn([2, 4, 21, 64], generator: generator);
        var k = randn([2, 2, 21, 64], generator: generator);
        var v = randn([2, 2, 21, 64], generator: generator);
        var expected = mixer.Parallel(q, k, v);

        using var _ = no_grad();
        Forms.MaxAbsDiff(Forms.StepLoop(mixer, q, k, v), expected).Should().BeLessThan(1e-4, "fused step loop");
        Forms.MaxAbsDiff(Forms.PrefillThenVerify(mixer, q, k, v, 3, 5, 2, 7), expected).Should().BeLessThan(1e-4, "fused verify and commit");
    }
}
