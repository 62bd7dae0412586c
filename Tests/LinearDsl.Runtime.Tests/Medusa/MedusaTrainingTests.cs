using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;
using LinearDsl.Runtime.Tests.Training;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Medusa;

/// <summary>Head training on a tiny model's own greedy continuations: the loss falls, only the heads change, runs repeat.</summary>
public sealed class MedusaTrainingTests
{
    static readonly MedusaTrainingOptions Options = new()
    {
        Steps = 40,
        BatchSize = 8,
        LearningRate = 1e-2,
        WarmupSteps = 2,
        Seed = 5,
        TrainSequences = 24,
        ValidationSequences = 8,
        PromptLength = 8,
        ContinuationLength = 24,
        GenerationBatch = 16,
    };

    /// <summary>The tiny model after a short run on the repetitive text, so that its greedy continuations have structure to learn.</summary>
    static CausalLanguageModel Backbone()
    {
        var model = TrainingFixtures.Model();
        using var trainer = new Trainer(model, TrainingFixtures.Data(), TrainingFixtures.Options(steps: 40));
        trainer.Train();
        model.eval();
        return model;
    }

    static TokenCorpus Corpus => TokenCorpus.FromText(TrainingFixtures.Text, TrainingFixtures.Tokenizer, "test text");

    [Fact]
    public void Heads_learn_while_the_backbone_stays_bit_identical()
    {
        using var scope = NewDisposeScope();
        using var backbone = Backbone();
        using var model = MedusaTraining.WithHeads(backbone, new MedusaSpec(3));
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        foreach (var (key, tensor) in backbone.state_dict())
            ModelForms.BitIdentical(before[key], tensor).Should().BeTrue($"'{key}' is copied from the backbone");

        var result = MedusaTraining.Train(model, Corpus, Options);

        result.Losses.Should().HaveCount(40);
        result.Losses.TakeLast(5).Average().Should().BeLessThan(0.7 * result.Losses.Take(5).Average(), "the heads learn the greedy continuations: " + string.Join(" ", result.Losses.Select(l => l.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))) + " acc " + string.Join(" ", result.InitialAccuracy) + " -> " + string.Join(" ", result.Accuracy));
        result.Accuracy.Should().HaveCount(3);
        result.Accuracy.Sum().Should().BeGreaterThan(result.InitialAccuracy.Sum());
        result.Top5Accuracy.Zip(result.Accuracy).Should().OnlyContain(p => p.First >= p.Second);
        foreach (var (key, tensor) in model.state_dict())
        {
            bool same = ModelForms.BitIdentical(before[key], tensor);
            if (MedusaTraining.IsHead(key)) same.Should().BeFalse($"head parameter '{key}' is trained");
            else same.Should().BeTrue($"backbone parameter '{key}' is frozen");
        }
        model.parameters().Should().OnlyContain(p => p.requires_grad, "the backbone is unfrozen again afterwards");
    }

    [Fact]
    public void A_seed_gives_the_same_run()
    {
        using var scope = NewDisposeScope();
        using var backbone = TrainingFixtures.Model();
        var options = Options with { Steps = 6 };
        using var first = MedusaTraining.WithHeads(backbone, new MedusaSpec(2));
        using var second = MedusaTraining.WithHeads(backbone, new MedusaSpec(2));
        var a = MedusaTraining.Train(first, Corpus, options);
        var b = MedusaTraining.Train(second, Corpus, options);
        b.Losses.Should().Equal(a.Losses);
        b.Accuracy.Should().Equal(a.Accuracy);
    }

    [Fact]
    public void Bad_settings_are_refused_before_any_work()
    {
        using var scope = NewDisposeScope();
        using var backbone = TrainingFixtures.Model();
        var noHeads = () => MedusaTraining.Train(backbone, Corpus, Options);
        noHeads.Should().Throw<ArgumentException>().WithMessage("*no Medusa heads*WithHeads*");
        using var model = MedusaTraining.WithHeads(backbone, new MedusaSpec(2));
        var shortCorpus = () => MedusaTraining.Train(model, TokenCorpus.FromText("too short", TrainingFixtures.Tokenizer), Options);
        shortCorpus.Should().Throw<ArgumentException>().WithMessage("*corpus has 9 tokens*at least 90*");
        var badSteps = () => MedusaTraining.Train(model, Corpus, Options with { Steps = 0, ContinuationLength = 1 });
        badSteps.Should().Throw<ArgumentException>().WithMessage("*steps must be positive*continuation length must be at least 2*");
    }
}
