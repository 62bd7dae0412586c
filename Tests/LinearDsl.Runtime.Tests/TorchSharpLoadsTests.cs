namespace LinearDsl.Runtime.Tests;

/// <summary>The native libraries load on this machine and compute correct values (see README, "TorchSharp on Debian 12").</summary>
public sealed class TorchSharpLoadsTests
{
    [Fact]
    public void Matmul_and_grouped_conv1d_give_known_values()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new double[] { 1, 2, 3, 4 }, 2, 2);
        var b = tensor(new double[] { 5, 6, 7, 8 }, 2, 2);
        a.matmul(b).data<double>().ToArray().Should().Equal(19, 22, 43, 50);

        // Two channels, one group each: y[c, t] = x[c, t] * w[c, 0] + x[c, t + 1] * w[c, 1].
        var x = tensor(new double[] { 1, 2, 3, 10, 20, 30 }, 1, 2, 3);
        var w = tensor(new double[] { 1, 1, 2, -1 }, 2, 1, 2);
        nn.functional.conv1d(x, w, groups: 2).data<double>().ToArray().Should().Equal(3, 5, 0, 10);
    }
}
