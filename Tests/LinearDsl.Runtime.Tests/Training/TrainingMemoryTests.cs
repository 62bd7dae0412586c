using LinearDsl.Runtime.Tests.Hosting;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class TrainingMemoryTests
{
    [Fact]
    public void Training_steps_evaluations_and_checkpoints_do_not_grow_the_live_tensor_count()
    {
        using var directory = new TemporaryDirectory();
        using var model = TrainingFixtures.Model();
        var options = TrainingFixtures.Options(steps: 30) with { EvaluationInterval = 5, CheckpointInterval = 10, CheckpointDirectory = directory.Path };
        using var trainer = new Trainer(model, TrainingFixtures.Data(), options);
        using var stop = new CancellationTokenSource();
        var warmUp = () => trainer.Train(new InlineProgress<TrainingProgress>(p => { if (p.Step == 3) stop.Cancel(); }), stop.Token);
        warmUp.Should().Throw<OperationCanceledException>();

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Train();

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        trainer.CompletedSteps.Should().Be(30);
    }
}
