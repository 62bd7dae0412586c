using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>
/// Model-level causality (docs/method.md, "Causality"): changing token t leaves every logit before t bit-identical in
/// Forward, Step and Verify, and a deliberately leaky layer is caught.
/// </summary>
public sealed class ModelCausalityTests
{
    const long Changed = 7;

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void Changing_token_t_leaves_every_earlier_logit_bit_identical(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        var (tokens, altered) = TokensDifferingAt(Changed);
        foreach (var (form, run) in Forms(model))
        {
            var original = run(tokens);
            var perturbed = run(altered);
            FirstChange(original, perturbed).Should().Be(Changed, $"{form}: no logit before token {Changed} may change, and the logits at {Changed} must see the new token");
        }
    }

    [Theory]
    [InlineData("InclusiveGlobalPrefix")]
    [InlineData("ConvPaddingRight")]
    public void A_leaky_layer_is_caught(string leak)
    {
        using var scope = NewDisposeScope();
        var config = ModelCatalog.Config("hybrid");
        var options = config.Mixer.Augmented! with
        {
            InclusiveGlobalPrefix = leak == "InclusiveGlobalPrefix",
            ConvPadding = leak == "ConvPaddingRight" ? ConvPadding.Right : ConvPadding.Causal,
        };
        var leaky = config with { LayerMixers = new Dictionary<int, MixerSpec>(config.LayerMixers) { [2] = MixerSpec.AugmentedLinear(2, options) } };
        using var model = ModelFactory.Create(leaky, dtype: ScalarType.Float64);
        ModelCatalog.Randomize(model, seed: 6);
        var (tokens, altered) = TokensDifferingAt(Changed);
        FirstChange(model.Forward(tokens), model.Forward(altered)).Should().BeLessThan(Changed, "the leak lets token 7 change earlier logits");
        FluentActions.Invoking(() => model.CreateState(1)).Should().Throw<NotSupportedException>().WithMessage("Layer 2 cannot decode: *");
    }

    [Theory]
    [MemberData(nameof(ModelCatalog.Names), MemberType = typeof(ModelCatalog))]
    public void CausalityProbe_finds_every_catalog_model_causal_in_every_form(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        var (tokens, _) = TokensDifferingAt(Changed);
        var report = CausalityProbe.Check(model, tokens, Changed);
        report.IsCausal.Should().BeTrue(report.ToString());
        report.Findings.Select(f => f.Form).Should().Equal("forward", "step", "verify");
        report.ToString().Should().Contain("forward: causal: changing token 7 left every earlier output bit-identical");
    }

    [Fact]
    public void CausalityProbe_refuses_a_position_with_nothing_before_it()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("aug-rope");
        FluentActions.Invoking(() => CausalityProbe.Check(model, length: 8, position: 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*choose 1..7*");
        FluentActions.Invoking(() => CausalityProbe.Check(model, length: 1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    static IEnumerable<(string Form, Func<Tensor, Tensor> Run)> Forms(CausalLanguageModel model)
    {
        yield return ("forward", model.Forward);
        yield return ("step", tokens => ModelForms.StepLoop(model, tokens));
        // Three tokens prefilled, the rest (including the changed one) in one verified block.
        yield return ("verify", tokens => ModelForms.PrefillThenVerify(model, tokens, 3, 9));
    }

    static (Tensor Tokens, Tensor Altered) TokensDifferingAt(long position)
    {
        var tokens = ModelCatalog.Tokens(batch: 2, time: 12, seed: 4);
        var altered = tokens.clone();
        altered[.., position].copy_(tokens[.., position].add(5).remainder(ModelCatalog.VocabSize));
        return (tokens, altered);
    }

    /// <summary>The first position whose logits differ in any row (time if none).</summary>
    static long FirstChange(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        for (long t = 0; t < a.shape[1]; t++)
        {
            if (!a.narrow(1, t, 1).equal(b.narrow(1, t, 1)).all().item<bool>()) return t;
        }
        return a.shape[1];
    }
}
