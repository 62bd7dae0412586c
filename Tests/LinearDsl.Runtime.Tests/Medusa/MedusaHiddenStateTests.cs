using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Medusa;

/// <summary>
/// The final hidden state that Step, Prefill and Verify hand to Medusa heads: the output head applied to it gives the
/// returned logits, the fused program and the composed modules agree on it, and a model without heads pays nothing.
/// </summary>
public sealed class MedusaHiddenStateTests
{
    const double Tolerance = 1e-10;

    [Theory]
    [InlineData("tied", true)]
    [InlineData("tied", false)]
    [InlineData("softmax", true)]
    [InlineData("learned-layernorm-gelu", true)]
    [InlineData("hybrid", false)]
    public void Hidden_states_of_every_form_give_the_logits_and_match_the_parallel_form(string name, bool fused)
    {
        using var scope = NewDisposeScope();
        using var model = MedusaModels.Create(name);
        if (!fused) model.UseDecodeProgram(null);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 9);
        var expected = ParallelHidden(model, tokens);

        using var state = model.CreateState(2);
        var prefill = model.PrefillWithHidden(tokens.narrow(1, 0, 4), state);
        var step = model.StepWithHidden(tokens.narrow(1, 4, 1), state);
        var verify = model.Verify(tokens.narrow(1, 5, 4), state);
        verify.Pending.Dispose();
        verify.Hidden.Should().NotBeNull("a model with heads returns the hidden state of its candidates");

        var hidden = cat([prefill.Hidden, step.Hidden, verify.Hidden!], 1);
        var logits = cat([prefill.Logits, step.Logits, verify.Logits], 1);
        hidden.shape.Should().Equal(2, 9, model.Width);
        MaxDifference(hidden, expected).Should().BeLessThan(Tolerance);
        MaxDifference(OutputHead(model, hidden), logits).Should().BeLessThan(Tolerance, "the logits are the output head on the hidden state");
    }

    [Fact]
    public void Verify_of_a_model_without_heads_returns_no_hidden_state()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("tied");
        using var state = model.CreateState(1);
        var result = model.Verify(ModelCatalog.Tokens(1, 3), state);
        result.Pending.Dispose();
        result.Hidden.Should().BeNull();
    }

    [Fact]
    public void Int8_model_returns_hidden_states_that_give_its_logits()
    {
        using var scope = NewDisposeScope();
        var config = MedusaModels.Config("tied") with { Width = 64, Mixer = MixerSpec.AugmentedLinear(2, new Mixers.AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }) };
        using var model = ModelFactory.Create(config);
        model.QuantizeToInt8();
        var tokens = ModelCatalog.Tokens(batch: 1, time: 5);
        using var state = model.CreateState(1);
        var prefill = model.PrefillWithHidden(tokens.narrow(1, 0, 4), state);
        var step = model.StepWithHidden(tokens.narrow(1, 4, 1), state);
        MaxDifference(OutputHead(model, prefill.Hidden), prefill.Logits).Should().BeLessThan(1e-4);
        MaxDifference(OutputHead(model, step.Hidden), step.Logits).Should().BeLessThan(1e-4);
    }

    /// <summary>The final norm of the last block's output, from the parallel form's modules.</summary>
    static Tensor ParallelHidden(CausalLanguageModel model, Tensor tokens)
    {
        using var noGrad = no_grad();
        var x = model.TokenEmbedding.forward(tokens);
        if (model.PositionEmbedding is { } table) x = x.add(table.forward(arange(tokens.shape[1], ScalarType.Int64)));
        foreach (var layer in model.Layers) x = layer.forward(x);
        return model.FinalNorm.forward(x);
    }

    static Tensor OutputHead(CausalLanguageModel model, Tensor hidden)
    {
        using var noGrad = no_grad();
        if (model.OutputHead is { } head) return head.forward(hidden);
        using var embedding = model.TokenEmbedding.weight!;
        return nn.functional.linear(hidden, embedding);
    }

    static double MaxDifference(Tensor a, Tensor b) => a.to(ScalarType.Float64).sub(b.to(ScalarType.Float64)).abs().max().item<double>();
}
