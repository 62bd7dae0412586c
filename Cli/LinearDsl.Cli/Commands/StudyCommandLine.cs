using LinearDsl.Study;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>What the study commands share: the command line their reports record, and their errors as one line.</summary>
static class StudyCommandLine
{
    /// <summary>Runs <paramref name="run"/> with the command line as a shell would take it back; a study's own failure becomes a one-line error.</summary>
    public static int Run(CommandContext context, Action<string> run)
    {
        string command = string.Join(' ', new[] { LineardslApp.Name }.Concat(context.Arguments.Select(Quote)));
        try
        {
            run(command);
            return 0;
        }
        catch (StudyException error)
        {
            throw new CliException(error.Message);
        }
    }

    static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./,=:".Contains(c)) ? argument : "'" + argument.Replace("'", "'\\''") + "'";
}
