using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;

namespace LinearDsl.Runtime.Tests.Hosting;

public sealed class ModelLocksTests
{
    [Fact]
    public async Task Decoders_that_share_a_model_exclude_each_other_and_a_cancelled_wait_holds_nothing()
    {
        using var target = HostingModels.Target(vocab: 8);
        using var draft = HostingModels.Draft(vocab: 8);
        var plain = ModelLocks.ResourcesOf(new PlainDecoder(target));
        var speculative = ModelLocks.ResourcesOf(new SpeculativeDecoder(target, draft));
        speculative.Should().Equal(target, draft);
        ModelLocks.ResourcesOf(new SpeculativeDecoder(target, target)).Should().Equal(target);

        var first = await ModelLocks.AcquireAsync(plain, CancellationToken.None);
        var second = ModelLocks.AcquireAsync(speculative, CancellationToken.None);
        await Task.Delay(20);
        second.IsCompleted.Should().BeFalse("the target is in use");

        using (var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(20)))
        {
            using (await ModelLocks.AcquireAsync([draft], cancellation.Token)) ModelLocks.IsHeld(draft).Should().BeTrue("the draft alone is free");
        }
        first.Dispose();
        using (await second)
        {
            ModelLocks.IsHeld(target).Should().BeTrue();
            ModelLocks.IsHeld(draft).Should().BeTrue();
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            await FluentActions.Awaiting(() => ModelLocks.AcquireAsync(plain, cancellation.Token)).Should().ThrowAsync<OperationCanceledException>();
        }
        ModelLocks.IsHeld(target).Should().BeFalse();
        ModelLocks.IsHeld(draft).Should().BeFalse();
    }
}
