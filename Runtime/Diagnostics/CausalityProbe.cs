using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Diagnostics;

/// <summary>
/// Checks a whole <see cref="CausalLanguageModel"/> for causality by perturbation (docs/method.md, "Causality"): change token t
/// and require every logit before t to stay bit-identical, in <c>Forward</c>, in a <c>Step</c> loop, and in
/// <c>Prefill</c> + one <c>Verify</c> block that holds token t. It catches any layer that reads later tokens (a
/// non-causal mask, an inclusive global prefix, a conv with future taps, bidirectional attention), wherever it sits.
/// A model that refuses a decoding form (a deliberately non-causal one) gets <see cref="CausalityVerdict.Refused"/>
/// for it.
/// </summary>
public static class CausalityProbe
{
    /// <summary>Probes the model on seeded random tokens [1, <paramref name="length"/>] changed at <paramref name="position"/> (default length / 2).</summary>
    public static CausalityReport Check(CausalLanguageModel model, int length = 16, long? position = null, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), length, "The probe needs at least 2 tokens: one to change and one before it.");
        using var scope = NewDisposeScope();
        var generator = new Generator(seed);
        var tokens = randint(0, model.VocabSize, [1, length], ScalarType.Int64, generator: generator).to(model.ParameterDevice);
        return Check(model, tokens, position ?? length / 2);
    }

    /// <summary>Probes the model on <paramref name="tokens"/> [batch, time]: token <paramref name="position"/> of every row is changed to the next id.</summary>
    public static CausalityReport Check(CausalLanguageModel model, Tensor tokens, long position)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.dim() != 2) throw new ArgumentException($"tokens must be [batch, time], got rank {tokens.dim()}.", nameof(tokens));
        long time = tokens.shape[1];
        if (position <= 0 || position >= time)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"The changed token must have earlier tokens to protect: choose 1..{time - 1}.");
        if (model.VocabSize < 2) throw new ArgumentException("A vocabulary of one token id leaves nothing to change.", nameof(model));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var altered = tokens.clone();
        altered.narrow(1, position, 1).add_(1).remainder_(model.VocabSize);
        long split = position / 2;                       // tokens before the verified block
        return new CausalityReport(position, new[]
        {
            Probe("forward", position, () => model.Forward(tokens), () => model.Forward(altered)),
            Probe("step", position, () => StepAll(model, tokens), () => StepAll(model, altered)),
            Probe("verify", position, () => PrefillThenVerify(model, tokens, split), () => PrefillThenVerify(model, altered, split)),
        });
    }

    static CausalityFinding Probe(string form, long position, Func<Tensor> original, Func<Tensor> perturbed)
    {
        Tensor before, after;
        try
        {
            before = original();
            after = perturbed();
        }
        catch (NotSupportedException refusal)
        {
            return new CausalityFinding(form, position, CausalityVerdict.Refused, Refusal: refusal.Message);
        }
        if (FirstNonFinite(before, after, position) is var (bad, value))
            return new CausalityFinding(form, position, CausalityVerdict.NonFinite, bad, value);
        for (long t = 0; t < position; t++)
        {
            var a = before.narrow(1, t, 1);
            var b = after.narrow(1, t, 1);
            if (!a.equal(b).all().item<bool>())
                return new CausalityFinding(form, position, CausalityVerdict.Leaks, t, a.sub(b).abs().max().ToDouble());
        }
        return new CausalityFinding(form, position, CausalityVerdict.Causal);
    }

    /// <summary>
    /// The first position before <paramref name="position"/> where either output is NaN or infinite, with that value:
    /// NaN never equals itself, so comparing such outputs would report a leak that is not there.
    /// </summary>
    internal static (long Position, double Value)? FirstNonFinite(Tensor before, Tensor after, long position)
    {
        using var scope = NewDisposeScope();
        for (long t = 0; t < position; t++)
        {
            foreach (var output in new[] { before, after })
            {
                var slice = output.narrow(1, t, 1);
                var bad = slice.isfinite().logical_not();
                if (bad.any().item<bool>()) return (t, slice.masked_select(bad)[0].ToDouble());
            }
        }
        return null;
    }

    static Tensor StepAll(CausalLanguageModel model, Tensor tokens)
    {
        using var state = model.CreateState(tokens.shape[0]);
        var logits = new List<Tensor>();
        for (long t = 0; t < tokens.shape[1]; t++) logits.Add(model.Step(tokens.narrow(1, t, 1), state));
        return cat(logits, 1);
    }

    static Tensor PrefillThenVerify(CausalLanguageModel model, Tensor tokens, long prefix)
    {
        using var state = model.CreateState(tokens.shape[0]);
        long time = tokens.shape[1];
        var parts = new List<Tensor>();
        if (prefix > 0) parts.Add(model.Prefill(tokens.narrow(1, 0, prefix), state));
        var result = model.Verify(tokens.narrow(1, prefix, time - prefix), state);
        result.Pending.Dispose();
        parts.Add(result.Logits);
        return cat(parts, 1);
    }
}
