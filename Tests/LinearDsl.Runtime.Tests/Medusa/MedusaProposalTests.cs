using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.Medusa;

/// <summary>Medusa heads' logits and top-k proposals: shapes, order, the residual-block formula, and clear refusals.</summary>
public sealed class MedusaProposalTests
{
    [Fact]
    public void Untrained_heads_repeat_the_next_token_distribution()
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create(MedusaModels.Config("tied"), dtype: ScalarType.Float64);
        model.Medusa!.Count.Should().Be(3);
        using var state = model.CreateState(2);
        var step = model.StepWithHidden(ModelCatalog.Tokens(2, 1), state);
        var heads = model.MedusaLogits(step.Hidden);
        heads.shape.Should().Equal(3, 2, 1, ModelCatalog.VocabSize);
        // The step's logits come from the fused program (another summation order), hence a tolerance.
        for (int i = 0; i < 3; i++) heads[i].sub(step.Logits).abs().max().item<double>().Should().BeLessThan(1e-12, "zero weights make every head the identity");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Head_logits_are_the_output_head_on_residual_SiLU_blocks(int layers)
    {
        using var scope = NewDisposeScope();
        using var model = MedusaModels.Create("tied", count: 2, layers: layers);
        var hidden = randn(3, model.Width, ScalarType.Float64);
        var logits = model.MedusaLogits(hidden);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var embedding = model.TokenEmbedding.weight!;
        for (int i = 0; i < 2; i++)
        {
            var h = hidden;
            for (int j = 0; j < layers; j++)
                h = h.add(nn.functional.silu(nn.functional.linear(h, parameters[$"medusa.{i}.{j}.weight"], parameters[$"medusa.{i}.{j}.bias"])));
            var expected = nn.functional.linear(h, embedding);
            logits[i].sub(expected).abs().max().item<double>().Should().BeLessThan(1e-12);
        }
    }

    [Fact]
    public void Proposals_are_each_heads_most_likely_tokens_in_order_per_row()
    {
        using var scope = NewDisposeScope();
        using var model = MedusaModels.Create("gqa", count: 3);
        var hidden = randn(2, 4, model.Width, ScalarType.Float64);
        var proposals = model.ProposeTopK(hidden, k: 5);
        (proposals.Heads, proposals.Rows, proposals.K).Should().Be((3, 2, 5));

        var probabilities = model.MedusaLogits(hidden.select(1, 3)).softmax(-1);
        for (int head = 0; head < 3; head++)
        {
            for (int row = 0; row < 2; row++)
            {
                var p = probabilities[head, row].data<double>().ToArray();
                var expected = Enumerable.Range(0, p.Length).OrderByDescending(t => p[t]).Take(5).Select(t => (long)t).ToArray();
                proposals.Tokens(head, row).Should().Equal(expected, "the last position's top 5, most likely first");
                proposals.Probabilities(head, row).Should().Equal(expected.Select(t => p[t]), (a, b) => Math.Abs(a - b) < 1e-12);
                proposals.Probabilities(head, row).Should().BeInDescendingOrder();
            }
        }
        proposals.ForRow(1).Select(t => t.Length).Should().Equal(5, 5, 5);
    }

    [Fact]
    public void Bad_requests_fail_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        using var plain = ModelCatalog.Create("tied");
        var hidden = zeros(1, plain.Width, ScalarType.Float64);
        plain.Invoking(m => m.ProposeTopK(hidden, 2)).Should().Throw<InvalidOperationException>().WithMessage("*no Medusa heads*train-heads*");

        using var model = MedusaModels.Create("tied");
        model.Invoking(m => m.ProposeTopK(hidden, 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*between 1 and 23*");
        model.Invoking(m => m.ProposeTopK(zeros(1, 5, ScalarType.Float64), 1)).Should().Throw<ArgumentException>().WithMessage("*width 12*[1, 5]*");
        new Action(() => _ = new MedusaHeads(new MedusaSpec(0), 8)).Should().Throw<ArgumentException>().WithMessage("*count must be between 1 and 16, got 0*");
    }
}
