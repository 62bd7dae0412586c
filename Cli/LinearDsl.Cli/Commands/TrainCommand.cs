using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary><c>train</c>: next-token training from scratch or fine-tuning, with checkpoints, exact resume, a log and a loss curve.</summary>
public sealed class TrainCommand(CliEnvironment environment) : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken) =>
        TrainingRun.Execute("train", settings, target: null, distill: null, environment, cancellationToken);
}
