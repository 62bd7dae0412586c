using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests;

/// <summary>Long contexts in float32 and native-memory discipline of the decode loop.</summary>
public sealed class LongContextAndMemoryTests
{
    [Fact]
    public void Float32_parallel_and_step_agree_at_16384_tokens()
    {
        using var scope = NewDisposeScope();
        const long time = 16_384;
        using var mixer = new AugmentedLinearAttention(new MixerGeometry(2, 8), new AugmentedLinearAttentionOptions { GroupSize = 64, ConvTaps = 32, AlphaInit = 0.5 });
        MixerCatalog.Randomize(mixer, seed: 9);
        var generator = new torch.Generator(17);
        var (q, k, v) = (randn([1, 2, time, 8], generator: generator), randn([1, 2, time, 8], generator: generator), randn([1, 2, time, 8], generator: generator));
        using var _ = inference_mode();
        var parallel = mixer.Parallel(q, k, v);
        var stepped = Forms.StepLoop(mixer, q, k, v);

        parallel.isfinite().all().item<bool>().Should().BeTrue();
        stepped.isfinite().all().item<bool>().Should().BeTrue();
        double scale = parallel.abs().max().item<float>();
        (Forms.MaxAbsDiff(parallel, stepped) / scale).Should().BeLessThan(1e-4);
    }

    [Theory]
    [InlineData("aug")]
    [InlineData("linear-performer-den")]
    [InlineData("softmax-rope-gqa")]
    public void Two_thousand_steps_do_not_grow_the_live_tensor_count(string name)
    {
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 2, time: 1);
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
        Steps(2000);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        state.Positions.Should().OnlyContain(p => p == 2010);
    }
}
