using Spectre.Console.Cli.Testing;
using Spectre.Console.Testing;

namespace LinearDsl.Cli.Tests;

/// <summary>Runs <c>lineardsl</c> in process with Spectre's CommandAppTester: one test console for output and errors.</summary>
public static class CliRunner
{
    /// <summary>Runs <paramref name="args"/>; <paramref name="input"/> feeds chat; bundled models are looked for under <paramref name="searchRoots"/> only.</summary>
    public static async Task<CommandAppResult> RunAsync(string[] args, string input = "", params string[] searchRoots)
    {
        var tester = new CommandAppTester(new CommandAppTesterSettings { TrimConsoleOutput = true });
        tester.Console.Profile.Width = 120;
        var environment = new CliEnvironment(tester.Console, tester.Console, new StringReader(input), searchRoots, EchoInput: true);
        tester.Configure(config => LineardslApp.Configure(config, environment, args));
        return await tester.RunAsync(args);
    }

    /// <summary>The non-empty lines of an output.</summary>
    public static string[] Lines(this CommandAppResult result) =>
        result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
