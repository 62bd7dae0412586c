using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>
/// Where the commands write and read: the console for results, the console for the one-line errors, the input
/// lines of <c>chat</c>, and the directories the bundled models are looked for in. Tests pass their own.
/// </summary>
/// <param name="Out">Generated text, statistics, tables.</param>
/// <param name="Error">The one line that explains a failure.</param>
/// <param name="Input">Lines typed (or piped) into <c>chat</c>.</param>
/// <param name="SearchRoots">Directories whose <c>Models/bundled/target</c> and <c>Models/bundled/draft</c> are the bundled pair.</param>
/// <param name="EchoInput">Whether <c>chat</c> repeats each line it reads (piped input is not shown by the terminal).</param>
public sealed record CliEnvironment(IAnsiConsole Out, IAnsiConsole Error, TextReader Input, IReadOnlyList<string> SearchRoots, bool EchoInput = false)
{
    /// <summary>Standard output and error, standard input, and the repository root and executable directory.</summary>
    public static CliEnvironment FromSystemConsole()
    {
        var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return new CliEnvironment(AnsiConsole.Console, error, Console.In, BundledModels.DefaultSearchRoots(), Console.IsInputRedirected);
    }
}
