using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void A_tiny_model_learns_a_tiny_repetitive_corpus_within_a_few_dozen_steps()
    {
        using var model = TrainingFixtures.Model();
        var data = TrainingFixtures.Data();
        using var trainer = new Trainer(model, data, TrainingFixtures.Options(steps: 40) with { EvaluationInterval = 20 });
        double before = trainer.Evaluate().MeanNll;

        var result = trainer.Train();

        before.Should().BeGreaterThan(5.0, "an untrained byte model is close to uniform over 256 ids (ln 256 = 5.55)");
        result.Losses.Should().HaveCount(40);
        result.Losses.TakeLast(5).Average().Should().BeLessThan(0.6 * result.Losses.Take(5).Average());
        result.Evaluations.Select(e => e.Step).Should().Equal(20, 40);
        result.FinalEvaluation!.MeanNll.Should().BeLessThan(0.6 * before);
        result.FinalEvaluation.Perplexity.Should().Be(Math.Exp(result.FinalEvaluation.MeanNll));
    }

    [Fact]
    public void Two_runs_with_the_same_seed_give_bit_identical_losses_and_another_seed_does_not()
    {
        double[] Run(ulong dataSeed)
        {
            using var model = TrainingFixtures.Model(seed: 5);
            using var trainer = new Trainer(model, TrainingFixtures.Data(), TrainingFixtures.Options(steps: 10) with { Seed = dataSeed });
            return trainer.Train().Losses.ToArray();
        }

        var first = Run(7);
        var second = Run(7);
        second.Should().Equal(first);
        Run(8).Should().NotEqual(first);
    }

    [Fact]
    public void Progress_reports_every_step_with_the_scheduled_learning_rate_and_an_estimate_of_the_rest()
    {
        using var model = TrainingFixtures.Model();
        var options = TrainingFixtures.Options(steps: 6) with { EvaluationInterval = 3 };
        using var trainer = new Trainer(model, TrainingFixtures.Data(), options);
        var reports = new List<TrainingProgress>();

        var result = trainer.Train(new InlineProgress<TrainingProgress>(reports.Add));

        reports.Select(r => r.Step).Should().Equal(1, 2, 3, 4, 5, 6);
        reports.Should().OnlyContain(r => r.TotalSteps == 6 && r.TokensPerSecond > 0 && r.GradientNorm > 0);
        reports.Select(r => r.LearningRate).Should().Equal(Enumerable.Range(0, 6).Select(s => options.Schedule().RateAt(s)));
        reports.Select(r => r.Loss).Should().Equal(result.Losses);
        reports.Select(r => r.Evaluation?.Step).Should().Equal(null, null, 3, null, null, 6);
        reports[^1].EstimatedRemaining.Should().Be(TimeSpan.Zero);
        reports[0].EstimatedRemaining.Should().BePositive();
    }

    [Fact]
    public void Gradient_clipping_bounds_the_update_and_reports_the_norm_before_clipping()
    {
        using var model = TrainingFixtures.Model();
        var options = TrainingFixtures.Options(steps: 1) with { GradientClipNorm = 1e-3 };
        using var trainer = new Trainer(model, TrainingFixtures.Data(validationFraction: 0), options);
        var reports = new List<TrainingProgress>();
        trainer.Train(new InlineProgress<TrainingProgress>(reports.Add));
        reports.Single().GradientNorm.Should().BeGreaterThan(1e-3);
        using var scope = NewDisposeScope();
        double clipped = Math.Sqrt(model.parameters().Sum(p => p.grad is { } g ? g.square().sum().ToDouble() : 0));
        clipped.Should().BeApproximately(1e-3, 1e-6);
    }

    [Fact]
    public void Validation_perplexity_is_exp_of_the_mean_nll_computed_independently()
    {
        using var model = TrainingFixtures.Model(seed: 3);
        var data = TrainingFixtures.Data(validationFraction: 0.3);
        data.Validation.Count.Should().BeGreaterThan(4);
        // A batch size that does not divide the count, so the last batch is partial.
        using var trainer = new Trainer(model, data, TrainingFixtures.Options() with { EvaluationBatchSize = 4 });
        trainer.Train();

        var evaluation = trainer.Evaluate();

        double nll = 0;
        long count = 0;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            for (int i = 0; i < data.Validation.Count; i++)
            {
                var ids = data.Validation[i].ToArray();
                var logits = model.Forward(tensor(ids[..^1], [1, ids.Length - 1])).to_type(ScalarType.Float64);
                var logProbabilities = logits.log_softmax(-1)[0].data<double>().ToArray();
                for (int t = 0; t < ids.Length - 1; t++) nll -= logProbabilities[t * 256 + (int)ids[t + 1]];
                count += ids.Length - 1;
            }
        }
        evaluation.Tokens.Should().Be(count);
        evaluation.MeanNll.Should().BeApproximately(nll / count, 1e-5 * nll / count);
        evaluation.Perplexity.Should().BeApproximately(Math.Exp(nll / count), 1e-4 * Math.Exp(nll / count));
        evaluation.DistillationKl.Should().BeNull();
    }

    [Fact]
    public void A_non_finite_loss_stops_training_without_touching_the_model()
    {
        using var model = TrainingFixtures.Model();
        using (no_grad()) model.OutputHead!.weight!.fill_(double.NaN);
        using var trainer = new Trainer(model, TrainingFixtures.Data(), TrainingFixtures.Options());
        var train = () => trainer.Train();
        train.Should().Throw<InvalidOperationException>().WithMessage("*NaN at step 1*");
        trainer.CompletedSteps.Should().Be(0);
    }
}
