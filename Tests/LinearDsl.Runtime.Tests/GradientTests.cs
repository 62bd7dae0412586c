using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests;

/// <summary>float64 gradient check of the parallel form against central finite differences.</summary>
public sealed class GradientTests
{
    [Theory]
    [InlineData("aug")]
    [InlineData("aug-rope-gqa")]
    [InlineData("linear-hedgehog-den")]
    [InlineData("linear-t2r-noden")]
    public void Parallel_gradients_match_finite_differences(string name)
    {
        using var scope = NewDisposeScope();
        using var mixer = MixerCatalog.Create(name);
        var (q, k, v) = MixerCatalog.Inputs(name, batch: 1, time: 9, seed: 3);
        var readout = MixerCatalog.Inputs(name, batch: 1, time: 9, seed: 4).Q;
        var leaves = new List<(string Name, Tensor Tensor)> { ("q", q), ("k", k), ("v", v) };
        leaves.AddRange(mixer.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
        foreach (var (_, t) in leaves) t.requires_grad_(true);

        Tensor Loss() => mixer.Parallel(q, k, v).mul(readout).sum();
        Loss().backward();

        const double h = 1e-6;
        foreach (var (leafName, leaf) in leaves)
        {
            var analytic = leaf.grad!.clone();
            var flat = leaf.detach().view(-1);
            // A handful of entries per tensor keeps the test fast; all of alpha and the conv kernel are covered.
            long count = flat.shape[0];
            foreach (long i in new long[] { 0, count / 3, count / 2, count - 1 }.Distinct())
            {
                double original = flat[i].item<double>();
                double plus, minus;
                using (no_grad())
                {
                    flat[i] = original + h;
                    plus = Loss().item<double>();
                    flat[i] = original - h;
                    minus = Loss().item<double>();
                    flat[i] = original;
                }
                double numeric = (plus - minus) / (2 * h);
                double exact = analytic.view(-1)[i].item<double>();
                Math.Abs(numeric - exact).Should().BeLessThan(1e-6 * Math.Max(1, Math.Abs(exact)), $"d loss / d {leafName}[{i}]");
            }
        }
        mixer.named_parameters().Should().Contain(p => p.name == "alpha" || !name.StartsWith("aug"), "the augmented mixer learns alpha");
    }
}
