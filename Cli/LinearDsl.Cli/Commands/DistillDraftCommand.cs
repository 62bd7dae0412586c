using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary><c>distill-draft</c>: trains a draft towards a target's next-token distributions (KL(target || draft)).</summary>
public sealed class DistillDraftCommand(CliEnvironment environment) : Command<DistillDraftSettings>
{
    public override int Execute(CommandContext context, DistillDraftSettings settings, CancellationToken cancellationToken)
    {
        TrainingRun.CheckOutput(settings, settings);
        using var target = Spinner.Run(environment.Out, $"Loading {settings.Target}", _ => ModelSource.LoadCheckpoint(settings.Target!, "--target"));
        return TrainingRun.Execute("distill-draft", settings, target, settings, environment, cancellationToken);
    }
}
