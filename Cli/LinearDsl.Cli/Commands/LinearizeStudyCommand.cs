using LinearDsl.Study;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>linearize-study</c>: pretrains a softmax teacher, linearizes it into the study's linear variants, fine-tunes each by
/// two recipes (everything; attention transfer + LoRA) at fractions of the pretraining budget, compares with the same
/// variants from scratch and with the teacher, and decodes speculatively with distilled drafts (linearize.json,
/// linearize.md, PNG figures). See docs/linearize.md. The study lives in LinearDsl.Study (<see cref="LinearizeRun"/>).
/// </summary>
public sealed class LinearizeStudyCommand(CliEnvironment environment) : Command<LinearizeStudySettings>
{
    public override int Execute(CommandContext context, LinearizeStudySettings settings, CancellationToken cancellationToken)
        => StudyCommandLine.Run(context, command =>
            LinearizeRun.Execute(settings.ToOptions(command, environment.SearchRoots), new StudyConsoleHost(environment.Out), cancellationToken));
}
