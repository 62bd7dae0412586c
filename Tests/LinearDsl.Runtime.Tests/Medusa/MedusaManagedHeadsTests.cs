using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Medusa;

/// <summary>The managed heads that tree rounds read (straight from the parameters' memory) give the tensor form's logits, and leak nothing.</summary>
public sealed class MedusaManagedHeadsTests
{
    [Theory]
    [InlineData("tied", 1)]
    [InlineData("tied", 2)]
    [InlineData("aug-rope", 1)]
    public void Managed_head_logits_equal_the_tensor_form_at_the_chosen_rows(string name, int layers)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = MedusaModels.Create(name, count: 3, layers: layers);
        var hidden = randn(2, 4, model.Width, ScalarType.Float64);
        long[] rows = [1 * 4 + 3, 0 * 4 + 2];
        var managed = model.MedusaLogitsRows(hidden, rows);
        managed.Should().NotBeNull();
        var expected = model.MedusaLogits(stack([hidden[1, 3], hidden[0, 2]])).contiguous().data<double>().ToArray();
        managed!.Length.Should().Be(expected.Length);
        managed.Zip(expected, (a, b) => Math.Abs(a - b)).Max().Should().BeLessThan(1e-12);
    }

    [Fact]
    public void Managed_heads_leave_no_live_tensor_behind()
    {
        using var noGrad = no_grad();
        using var model = MedusaModels.Create("tied");
        using var hidden = randn(1, 2, model.Width, ScalarType.Float64);
        model.MedusaLogitsRows(hidden, [1]);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 10; i++) model.MedusaLogitsRows(hidden, [1]);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Outside_inference_the_managed_heads_step_aside()
    {
        using var model = MedusaModels.Create("tied");
        using var hidden = randn(1, 1, model.Width, ScalarType.Float64);
        model.MedusaLogitsRows(hidden, [0]).Should().BeNull("autograd is on, so the tensor form (which trains) must run");
    }
}
