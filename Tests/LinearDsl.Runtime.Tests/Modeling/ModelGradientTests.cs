namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>Forward is the training form: gradients reach every parameter.</summary>
public sealed class ModelGradientTests
{
    [Theory]
    [InlineData("hybrid")]
    [InlineData("learned-layernorm-gelu")]
    [InlineData("tied")]
    [InlineData("performer-gqa")]
    public void A_language_modelling_loss_reaches_every_parameter(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create(name);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 11);
        var logits = model.Forward(tokens.narrow(1, 0, 10));
        var loss = nn.functional.cross_entropy(logits.reshape(-1, ModelCatalog.VocabSize), tokens.narrow(1, 1, 10).reshape(-1));
        loss.backward();
        foreach (var (key, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            grad.Should().NotBeNull($"'{key}' must receive a gradient");
            grad!.isfinite().all().item<bool>().Should().BeTrue(key);
            grad.abs().sum().item<double>().Should().BeGreaterThan(0, $"'{key}' must influence the loss");
        }
    }
}
