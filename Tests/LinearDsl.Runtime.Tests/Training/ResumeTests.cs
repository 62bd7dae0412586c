using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Tests.Hosting;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class ResumeTests
{
    [Fact]
    public void An_interrupted_run_resumed_from_its_checkpoint_reproduces_the_uninterrupted_loss_curve_exactly()
    {
        using var directory = new TemporaryDirectory();
        var data = TrainingFixtures.Data();
        var options = TrainingFixtures.Options(steps: 14) with { EvaluationInterval = 4, CheckpointInterval = 3 };

        TrainingResult uninterrupted;
        using (var model = TrainingFixtures.Model(seed: 2))
        using (var trainer = new Trainer(model, data, options with { CheckpointDirectory = directory.Sub("full") }))
            uninterrupted = trainer.Train();

        using (var model = TrainingFixtures.Model(seed: 2))
        using (var trainer = new Trainer(model, data, options with { CheckpointDirectory = directory.Sub("cut") }))
        {
            using var stop = new CancellationTokenSource();
            var train = () => trainer.Train(new InlineProgress<TrainingProgress>(p => { if (p.Step == 7) stop.Cancel(); }), stop.Token);
            train.Should().Throw<OperationCanceledException>();
            trainer.CompletedSteps.Should().Be(7);
        }
        string latest = TrainingCheckpoint.FindLatest(directory.Sub("cut"))!;
        Path.GetFileName(latest).Should().Be("step-000006");

        using var resumed = Trainer.Resume(latest, data, options with { CheckpointDirectory = directory.Sub("cut") });
        resumed.CompletedSteps.Should().Be(6);
        var result = resumed.Train();

        result.Losses.Should().Equal(uninterrupted.Losses, "every loss after the resume must be bit-identical");
        result.Evaluations.Should().BeEquivalentTo(uninterrupted.Evaluations, o => o.WithStrictOrdering());
        result.LastCheckpoint.Should().EndWith("step-000014");
        Directory.GetDirectories(directory.Sub("cut")).Select(Path.GetFileName).Order()
            .Should().Equal("step-000003", "step-000006", "step-000009", "step-000012", "step-000014");

        // The final weights agree too.
        using var full = Checkpoint.Load(Path.Combine(directory.Sub("full"), "step-000014", TrainingCheckpoint.ModelDirectoryName));
        using var scope = NewDisposeScope();
        foreach (var ((key, a), (_, b)) in full.named_parameters().Zip(resumed.Model.named_parameters()))
            a.eq(b).all().item<bool>().Should().BeTrue(key);
    }

    [Fact]
    public void Resuming_with_settings_that_change_the_loss_curve_is_refused_with_the_differences()
    {
        using var directory = new TemporaryDirectory();
        var data = TrainingFixtures.Data();
        var options = TrainingFixtures.Options(steps: 2) with { CheckpointDirectory = directory.Path };
        using (var model = TrainingFixtures.Model())
        using (var trainer = new Trainer(model, data, options))
            trainer.Train();
        string checkpoint = TrainingCheckpoint.FindLatest(directory.Path)!;

        var resume = () => Trainer.Resume(checkpoint, data, options with { Seed = 99, LearningRate = 0.5 });
        resume.Should().Throw<InvalidOperationException>().WithMessage("*other settings*learning_rate: 0.01 in the checkpoint vs 0.5 now*seed: 7 in the checkpoint vs 99 now*");

        // Intervals and the directory may change.
        using var resumed = Trainer.Resume(checkpoint, data, options with { CheckpointDirectory = directory.Sub("other"), EvaluationInterval = 1 });
        resumed.CompletedSteps.Should().Be(2);
    }

    [Fact]
    public void A_checkpoint_folder_with_a_missing_part_is_reported()
    {
        using var directory = new TemporaryDirectory();
        var data = TrainingFixtures.Data();
        var options = TrainingFixtures.Options(steps: 1) with { CheckpointDirectory = directory.Path };
        using (var model = TrainingFixtures.Model())
        using (var trainer = new Trainer(model, data, options))
            trainer.Train();
        string checkpoint = TrainingCheckpoint.FindLatest(directory.Path)!;
        File.Delete(Path.Combine(checkpoint, TrainingCheckpoint.OptimizerFileName));

        var resume = () => Trainer.Resume(checkpoint, data, options);
        resume.Should().Throw<FileNotFoundException>().WithMessage("*optimizer.bin' is missing*");
        Directory.GetDirectories(directory.Path).Should().ContainSingle("no temporary folder is left behind");
    }
}
