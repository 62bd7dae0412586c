using LinearDsl.Study;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>study</c>: trains the paper's comparison of token mixers (softmax, four linear attentions, FLASH-style, the gated ones, the
/// augmented form, its ablations and a leaky conv) on one corpus with one budget and seed, measures each, and writes
/// study.json, study.md and PNG figures. See docs/study.md. The study itself lives in LinearDsl.Study; this command
/// turns the options into <see cref="StudyOptions"/> and shows the progress.
/// </summary>
public sealed class StudyCommand(CliEnvironment environment) : Command<StudySettings>
{
    public override int Execute(CommandContext context, StudySettings settings, CancellationToken cancellationToken)
        => StudyCommandLine.Run(context, command =>
            StudyRun.Execute(settings.ToOptions(command, environment.SearchRoots), new StudyConsoleHost(environment.Out), cancellationToken));
}
