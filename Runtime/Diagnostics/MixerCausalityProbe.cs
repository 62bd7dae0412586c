using LinearDsl.Runtime.Mixers;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Diagnostics;

/// <summary>
/// Runtime causality check by perturbation (docs/method.md, "Causality"): change the query, key and value of token t and
/// require every output before t to stay bit-identical, in each of the three forms. It catches a non-causal local
/// block, an inclusive global prefix and a convolution that sees the future alike. A deliberately non-causal mixer
/// (<see cref="TokenMixer.NonCausalSettings"/>) has no step or verify form: those findings are
/// <see cref="CausalityVerdict.Refused"/>. <see cref="CausalityProbe"/> does the same for a whole model.
/// </summary>
public static class MixerCausalityProbe
{
    /// <summary>Probes the parallel, step and verify forms at <paramref name="position"/>.</summary>
    public static IReadOnlyList<CausalityFinding> Check(TokenMixer mixer, Tensor q, Tensor k, Tensor v, long position, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(mixer);
        long time = q.shape[2];
        if (position <= 0 || position >= time)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"The probed token must have earlier tokens to protect: choose 1..{time - 1}.");
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var generator = new Generator(seed);
        var (q2, k2, v2) = (Perturb(q, position, generator), Perturb(k, position, generator), Perturb(v, position, generator));
        long split = position / 2;
        return new[]
        {
            Compare("parallel", position, mixer, () => mixer.Parallel(q, k, v), () => mixer.Parallel(q2, k2, v2)),
            Compare("step", position, mixer, () => StepAll(mixer, q, k, v), () => StepAll(mixer, q2, k2, v2)),
            Compare("verify", position, mixer, () => VerifyAfter(mixer, q, k, v, split), () => VerifyAfter(mixer, q2, k2, v2, split)),
        };
    }

    static CausalityFinding Compare(string form, long position, TokenMixer mixer, Func<Tensor> original, Func<Tensor> perturbed)
    {
        if (form != "parallel" && mixer.NonCausalSettings is not null)
            return new CausalityFinding(form, position, CausalityVerdict.Refused, Refusal: $"{mixer.GetType().Name} is built with {mixer.NonCausalSettings} and has only its parallel form.");
        var (before, after) = (original(), perturbed());
        for (long t = 0; t < position; t++)
        {
            var a = before.narrow(2, t, 1);
            var b = after.narrow(2, t, 1);
            if (!a.equal(b).all().item<bool>())
                return new CausalityFinding(form, position, CausalityVerdict.Leaks, t, a.sub(b).abs().max().ToDouble());
        }
        return new CausalityFinding(form, position, CausalityVerdict.Causal);
    }

    static Tensor Perturb(Tensor x, long position, Generator generator)
    {
        var copy = x.clone();
        copy.narrow(2, position, 1).copy_(randn(copy.narrow(2, position, 1).shape, copy.dtype, copy.device, generator: generator).mul(3));
        return copy;
    }

    static Tensor StepAll(TokenMixer mixer, Tensor q, Tensor k, Tensor v)
    {
        using var state = mixer.CreateState(q.shape[0], q.dtype, q.device);
        var outputs = new List<Tensor>();
        for (long t = 0; t < q.shape[2]; t++)
            outputs.Add(mixer.Step(q.narrow(2, t, 1), k.narrow(2, t, 1), v.narrow(2, t, 1), state));
        return cat(outputs, 2);
    }

    /// <summary>Outputs of the first <paramref name="prefix"/> tokens by Prefill, the rest as one verified block.</summary>
    static Tensor VerifyAfter(TokenMixer mixer, Tensor q, Tensor k, Tensor v, long prefix)
    {
        using var state = mixer.CreateState(q.shape[0], q.dtype, q.device);
        long time = q.shape[2];
        var parts = new List<Tensor>();
        if (prefix > 0) parts.Add(mixer.Prefill(q.narrow(2, 0, prefix), k.narrow(2, 0, prefix), v.narrow(2, 0, prefix), state));
        var result = mixer.Verify(q.narrow(2, prefix, time - prefix), k.narrow(2, prefix, time - prefix), v.narrow(2, prefix, time - prefix), state);
        result.Pending.Dispose();
        parts.Add(result.Output);
        return cat(parts, 2);
    }
}
