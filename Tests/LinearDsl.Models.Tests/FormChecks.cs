using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Models.Tests;

/// <summary>The checks every declared model must pass: its three forms agree in float64 and the probe finds it causal.</summary>
internal static class FormChecks
{
    const double Tolerance = 1e-9;

    /// <summary>
    /// Forward over <paramref name="time"/> tokens against a Step loop and against Prefill of <paramref name="prefill"/>
    /// tokens followed by one Verify/Commit of the rest (choose it to cross a group boundary); then the causality probe,
    /// perturbing the token at <paramref name="probedPosition"/>.
    /// </summary>
    public static void FormsAgreeAndModelIsCausal(CausalLanguageModel model, int time, int prefill, int probedPosition)
    {
        using var scope = NewDisposeScope();
        RandomizeAugmentation(model);
        var tokens = randint(0, 256, [2, time], dtype: ScalarType.Int64, generator: new torch.Generator(3));
        var expected = model.Forward(tokens);

        using (var state = model.CreateState(2))
        {
            var steps = Enumerable.Range(0, time).Select(t => model.Step(tokens.narrow(1, t, 1), state)).ToArray();
            cat(steps, 1).sub(expected).abs().max().item<double>().Should().BeLessThan(Tolerance, "Step loop vs Forward");
        }
        using (var state = model.CreateState(2))
        {
            long rest = time - prefill;
            var parts = new List<Tensor> { model.Prefill(tokens.narrow(1, 0, prefill), state) };
            var (logits, pending) = model.Verify(tokens.narrow(1, prefill, rest), state);
            using (pending) model.Commit(state, pending, [rest, rest]);
            parts.Add(logits);
            cat(parts, 1).sub(expected).abs().max().item<double>().Should().BeLessThan(Tolerance, "Prefill + Verify/Commit vs Forward");
        }
        CausalityProbe.Check(model, time, probedPosition, 5).IsCausal.Should().BeTrue();
    }

    /// <summary>Alpha and the conv kernel start at zero; random values make every part of the mixer count.</summary>
    public static void RandomizeAugmentation(CausalLanguageModel model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new torch.Generator(11);
        foreach (var (_, parameter) in model.named_parameters().Where(p => p.name.EndsWith("alpha") || p.name.EndsWith("conv_weight")))
            parameter.copy_(randn(parameter.shape, parameter.dtype, generator: generator).mul(0.5));
    }
}
